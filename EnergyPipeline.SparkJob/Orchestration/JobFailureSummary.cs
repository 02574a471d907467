using System.Text.Json;

namespace EnergyPipeline.SparkJob.Orchestration;

/// <summary>The summary line of a failed run: <c>{"status":"failed","engine":...,"error":...,"seconds":...}</c>.</summary>
public static class JobFailureSummary
{
    public static string ToJson(string? engine, string error, TimeSpan elapsed)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("status", "failed");
            if (!string.IsNullOrWhiteSpace(engine))
            {
                json.WriteString("engine", engine.Trim().ToLowerInvariant());
            }

            json.WriteString("error", error);
            json.WriteNumber("seconds", Math.Round(elapsed.TotalSeconds, 3));
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
