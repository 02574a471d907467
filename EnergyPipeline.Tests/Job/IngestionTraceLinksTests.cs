using System.Diagnostics;
using EnergyPipeline.SparkJob.Telemetry;

namespace EnergyPipeline.Tests.Job;

/// <summary>The links both engines put on a run's span: distinct ingestion traces, never the span's own, at most the cap.</summary>
public sealed class IngestionTraceLinksTests
{
    private const string OwnTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Links_each_other_trace_once_in_the_order_given_and_not_the_span_s_own()
    {
        using var span = new Activity("energy job run").SetParentId(OwnTrace).Start();
        var links = new IngestionTraceLinks(span);

        foreach (var traceParent in new[]
                 {
                     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", OwnTrace,
                     "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01", // the same trace, another span
                     "not a traceparent",
                     "00-5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50-1a2b3c4d5e6f7081-01",
                 })
        {
            links.Add(traceParent);
        }

        Assert.Equal(
            ["4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50-1a2b3c4d5e6f7081"],
            span.Links.Select(l => $"{l.Context.TraceId.ToHexString()}-{l.Context.SpanId.ToHexString()}"));
        Assert.False(links.IsFull);
    }

    [Fact]
    public void Stops_at_the_cap_and_the_span_s_own_trace_does_not_count_towards_it()
    {
        using var span = new Activity("energy job run").SetParentId(OwnTrace).Start();
        var links = new IngestionTraceLinks(span);
        var others = Enumerable.Range(1, 40).Select(i => $"00-{i:x32}-{i:x16}-01").ToList();

        links.Add(OwnTrace);
        foreach (var traceParent in others)
        {
            links.Add(traceParent);
        }

        Assert.Equal(32, JobTelemetry.MaxTraceLinks);
        Assert.Equal(others.Take(32).Select(t => t.Split('-')[1]), span.Links.Select(l => l.Context.TraceId.ToHexString()));
        Assert.True(links.IsFull);
    }

    [Fact]
    public void Without_a_span_nothing_is_read()
    {
        var links = new IngestionTraceLinks(null);

        links.Add(OwnTrace);

        Assert.True(links.IsFull);
    }
}
