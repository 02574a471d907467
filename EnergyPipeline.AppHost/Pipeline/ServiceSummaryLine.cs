using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// What the console says of a service that succeeded, from the fields of the JSON summary line it ended with:
/// <c>17 quarters, 0 invalid</c>. Each phrase names the summary fields it shows in braces; a phrase whose fields the
/// summary lacks is left out, so a field a service adds to its summary shows here with one more phrase. Text in
/// square brackets is the plural's: it shows unless the phrase's first field is the count 1 (<c>1 quarter</c>).
/// </summary>
public static partial class ServiceSummaryLine
{
    private static readonly Dictionary<string, string[]> Phrases = new(StringComparer.Ordinal)
    {
        [ResourceNames.Ingestor] =
        [
            "{readings} reading[s] from {file} ({source})",
            "{malformed} malformed line[s] skipped",
            "reasons: {malformed_by_reason}",
            "{notice}",
        ],
        [ResourceNames.Job] =
        [
            "{quarters_written} quarter[s]",
            "{invalid} invalid",
            "{unattributed} unattributed",
            "{unsigned_completions} unsigned completion record[s]",
        ],
    };

    /// <summary>The phrases the summary has fields for, joined, or null when it has none of them.</summary>
    public static string? Describe(string service, JsonElement summary)
    {
        if (!Phrases.TryGetValue(service, out var phrases))
        {
            return null;
        }

        var shown = phrases.Select(p => Fill(p, summary)).OfType<string>().ToList();
        return shown.Count == 0 ? null : string.Join(", ", shown);
    }

    private static string? Fill(string phrase, JsonElement summary)
    {
        var text = new StringBuilder();
        var at = 0;
        bool? singular = null;
        foreach (Match field in FieldPattern().Matches(phrase))
        {
            if (!summary.TryGetProperty(field.Groups[1].Value, out var value) || Text(value) is not { } shown)
            {
                return null;
            }

            singular ??= value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count == 1;
            text.Append(phrase, at, field.Index - at).Append(shown);
            at = field.Index + field.Length;
        }

        text.Append(phrase, at, phrase.Length - at);
        return PluralPattern().Replace(text.ToString(), plural => singular == true ? "" : plural.Groups[1].Value);
    }

    /// <summary>
    /// Counts with thousands separators, text as it is, an object of counts as <c>name count, ...</c> (the ingestor's
    /// <c>malformed_by_reason</c>); anything else (null, an empty object) does not show.
    /// </summary>
    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var count) => count.ToString("N0", CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetDecimal().ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.EnumerateObject().Any() =>
            string.Join(", ", value.EnumerateObject().Select(member => $"{member.Name} {Text(member.Value)}")),
        _ => null,
    };

    [GeneratedRegex(@"\{([a-z0-9_]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex FieldPattern();

    [GeneratedRegex(@"\[([^\]]*)\]", RegexOptions.CultureInvariant)]
    private static partial Regex PluralPattern();
}
