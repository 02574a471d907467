using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EnergyPipeline.SparkJob.Telemetry;

/// <summary>The job's activity source and meter (both "EnergyPipeline.SparkJob", picked up by the service defaults).</summary>
public static class JobTelemetry
{
    public const string Name = "EnergyPipeline.SparkJob";

    /// <summary>
    /// At most this many ingestion traces are linked from a run (<see cref="IngestionTraceLinks"/>): those of the
    /// ingestions its figures come from, oldest first; the trace the run continues is its parent and not counted.
    /// </summary>
    public const int MaxTraceLinks = 32;

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> ReadingsRead = Meter.CreateCounter<long>("energy.job.readings_read", "{message}", "Messages read from the topic");
    public static readonly Counter<long> DuplicatesDropped = Meter.CreateCounter<long>("energy.job.duplicates_dropped", "{message}", "Copies dropped by de-duplication");
    public static readonly Counter<long> Invalid = Meter.CreateCounter<long>("energy.job.invalid", "{message}", "Messages that break the contract");
    public static readonly Counter<long> Unattributed = Meter.CreateCounter<long>("energy.job.unattributed", "{message}", "Messages of no completed ingestion, not used");
    public static readonly Counter<long> QuartersWritten = Meter.CreateCounter<long>("energy.job.quarters_written", "{quarter}", "Quarterly rows published");
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("energy.job.stage.duration", "s", "Duration of a job stage");

    /// <summary>
    /// The trace a run continues: the newest completed ingestion's (the last completion record with a valid
    /// <c>traceparent</c>), or none. The traces of the other ingestions its figures come from become links.
    /// </summary>
    public static ActivityContext IngestionTraceToContinue(IReadOnlyList<Messaging.IngestionCompletion> completions)
    {
        for (var i = completions.Count - 1; i >= 0; i--)
        {
            if (ActivityContext.TryParse(completions[i].TraceParent, null, isRemote: true, out var context))
            {
                return context;
            }
        }

        return default;
    }

    /// <summary>Records how long a stage took, tagged with the stage and the engine.</summary>
    public static void RecordStage(string stage, string engine, TimeSpan elapsed) =>
        StageDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("engine", engine));
}
