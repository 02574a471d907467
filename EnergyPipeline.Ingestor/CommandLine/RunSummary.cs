using System.Globalization;
using System.Text;
using System.Text.Json;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Summaries;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>The figures of a validate or ingest run: printed for people, then as one JSON line for scripts.</summary>
public sealed record RunSummary(
    string Verb,
    string File,
    long RowsRead,
    long Readings,
    long Sent,
    long MissingValueRows,
    long Malformed,
    long Bytes,
    double Seconds,
    decimal GlobalActivePowerSum,
    decimal ActiveEnergyKwh,
    string Status,
    string? RunId = null,
    string? SourceSha256 = null,
    string? Error = null,
    string? Source = null,
    string? TraceId = null,
    string? Notice = null)
{
    public double RowsPerSecond => Seconds > 0 ? Math.Round(RowsRead / Seconds) : 0;

    /// <summary>The malformed lines per reason, in order of first appearance.</summary>
    public IReadOnlyDictionary<string, long> MalformedByReason { get; init; } = new Dictionary<string, long>();

    public static RunSummary From(string verb, string file, ParseSummary parse, long sent, TimeSpan elapsed, string status,
        string? runId = null, string? sha256 = null, string? error = null, string? traceId = null) =>
        new(verb, file, parse.DataLines, parse.Readings, sent, parse.MissingValueRows, parse.Malformed, parse.Bytes,
            Math.Round(elapsed.TotalSeconds, 3), parse.GlobalActivePowerSum, parse.ActiveEnergyKwh, status, runId, sha256, error, TraceId: traceId)
        {
            MalformedByReason = parse.MalformedByReason,
        };

    /// <summary>The summary of a run that failed before it read the file.</summary>
    public static RunSummary FailedBeforeReading(string verb, string file, string error) =>
        new(verb, file, 0, 0, 0, 0, 0, 0, 0, 0, 0, SummaryStatus.Failed, Error: error);

    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{Verb} {File}: {Status}");
        if (Source is not null)
        {
            text.AppendLine(c, $"  source             {Source,12}");
        }

        text.AppendLine(c, $"  rows read          {RowsRead,12:N0}");
        text.AppendLine(c, $"  readings           {Readings,12:N0}");
        text.AppendLine(c, $"  sent               {Sent,12:N0}");
        text.AppendLine(c, $"  missing-value rows {MissingValueRows,12:N0}");
        text.AppendLine(c, $"  malformed          {Malformed,12:N0}{(Malformed > 0 ? $"   ({MalformedLinePolicy.ByReason(MalformedByReason)})" : "")}");
        text.AppendLine(c, $"  bytes              {Bytes,12:N0}");
        text.AppendLine(c, $"  seconds            {Seconds,12:F3}");
        text.AppendLine(c, $"  rows/s             {RowsPerSecond,12:N0}");
        text.AppendLine(c, $"  active power sum   {GlobalActivePowerSum,12} kW·min (sum of minute readings)");
        text.AppendLine(c, $"  active energy      {ActiveEnergyKwh,12} kWh");
        if (Notice is not null)
        {
            text.AppendLine(c, $"  notice: {Notice}");
        }

        if (Error is not null)
        {
            text.AppendLine(c, $"  error: {Error}");
        }

        return text.ToString();
    }

    public string ToJson() => SummaryJson.Object(json =>
        {
            json.WriteString("verb", Verb);
            json.WriteString("file", File);
            json.WriteString("status", Status);
            json.WriteNumber("rows_read", RowsRead);
            json.WriteNumber("readings", Readings);
            json.WriteNumber("sent", Sent);
            json.WriteNumber("missing_value_rows", MissingValueRows);
            json.WriteNumber("malformed", Malformed);
            json.WriteStartObject("malformed_by_reason");
            foreach (var (reason, lines) in MalformedByReason)
            {
                json.WriteNumber(reason, lines);
            }

            json.WriteEndObject();
            json.WriteNumber("bytes", Bytes);
            json.WriteNumber("seconds", Seconds);
            json.WriteNumber("rows_per_second", RowsPerSecond);
            json.WriteNumber("global_active_power_sum", GlobalActivePowerSum);
            json.WriteNumber("active_energy_kwh", ActiveEnergyKwh);
            WriteOptional(json, "run_id", RunId);
            WriteOptional(json, "source", Source);
            WriteOptional(json, "source_sha256", SourceSha256);
            WriteOptional(json, "error", Error);
            WriteOptional(json, "trace_id", TraceId);
            WriteOptional(json, "notice", Notice);
        });

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
