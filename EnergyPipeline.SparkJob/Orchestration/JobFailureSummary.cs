using EnergyPipeline.Summaries;

namespace EnergyPipeline.SparkJob.Orchestration;

/// <summary>The summary line of a failed run: <c>{"status":"failed","engine":...,"error":...,"seconds":...}</c>.</summary>
public static class JobFailureSummary
{
    public static string ToJson(string? engine, string error, TimeSpan elapsed) => SummaryJson.Object(json =>
    {
        json.WriteString("status", SummaryStatus.Failed);
        if (!string.IsNullOrWhiteSpace(engine))
        {
            json.WriteString("engine", engine.Trim().ToLowerInvariant());
        }

        json.WriteString("error", error);
        json.WriteNumber("seconds", Math.Round(elapsed.TotalSeconds, 3));
    });
}
