using System.Diagnostics;

namespace EnergyPipeline.SparkJob.Telemetry;

/// <summary>
/// Links a run's span to the distinct traces of the ingestions its figures come from, for both engines: at most
/// <see cref="JobTelemetry.MaxTraceLinks"/> of them, in the order given, never the trace the span itself belongs to
/// (the ingestion the run continues is its parent, not a link).
/// </summary>
public sealed class IngestionTraceLinks(Activity? span)
{
    private readonly HashSet<ActivityTraceId> _linked = [];

    /// <summary>True once no further trace can be linked: no span, or the cap reached.</summary>
    public bool IsFull => span is null || _linked.Count >= JobTelemetry.MaxTraceLinks;

    /// <summary>Links the trace of a W3C <c>traceparent</c>; a malformed one, a repeated trace or the span's own is ignored.</summary>
    public void Add(string traceParent)
    {
        if (IsFull || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) || context.TraceId == span!.TraceId)
        {
            return;
        }

        if (_linked.Add(context.TraceId))
        {
            span.AddLink(new ActivityLink(context));
        }
    }
}
