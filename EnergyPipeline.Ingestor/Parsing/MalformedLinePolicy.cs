using System.Globalization;

namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>
/// The one malformed-line policy of ingest and validate (<c>Ingestor:MaxMalformedLines</c>, default 0): a file with
/// more malformed lines than the limit fails; within it, the lines are skipped and said, by reason.
/// </summary>
public static class MalformedLinePolicy
{
    /// <summary>Null when the malformed lines are within <paramref name="maxMalformedLines"/>, else the one-line reason.</summary>
    public static string? Problem(string path, ParseSummary parse, long maxMalformedLines) =>
        parse.Malformed <= maxMalformedLines
            ? null
            : $"{parse.Malformed.ToString("N0", CultureInfo.InvariantCulture)} malformed line{(parse.Malformed == 1 ? "" : "s")} in {path} ({ByReason(parse.MalformedByReason)}), " +
              $"more than Ingestor:MaxMalformedLines ({maxMalformedLines.ToString(CultureInfo.InvariantCulture)}); first at " +
              $"{parse.MalformedSample.FirstOrDefault()?.ToString() ?? "?"}; nothing of this ingestion is used (no completion record): " +
              "fix the file, or raise the limit to skip them";

    /// <summary><c>bad_time 2, timestamp_out_of_range 1</c>: the counts by reason, in order of first appearance.</summary>
    public static string ByReason(IReadOnlyDictionary<string, long> malformedByReason) =>
        string.Join(", ", malformedByReason.Select(r => $"{r.Key} {r.Value.ToString(CultureInfo.InvariantCulture)}"));
}
