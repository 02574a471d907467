using System.Globalization;
using System.Text.RegularExpressions;

namespace EnergyPipeline.Progress;

/// <summary>
/// A progress line of <see cref="PlainProgressLog"/> read back, <c>ACTIVITY: </c> followed by
/// <see cref="ProgressSample.Describe"/>: how the AppHost follows its services' progress in their console output.
/// </summary>
public sealed partial record ProgressLine(string Activity, long Done, long? Total, string Unit)
{
    /// <summary>Done as a share of the total, as the line gives it (null without a total).</summary>
    public double? Percent { get; init; }

    /// <summary>The line, or null when <paramref name="text"/> is not one (a done line, any other log message).</summary>
    public static ProgressLine? Parse(string text)
    {
        var match = LinePattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        static long Number(Group group) => long.Parse(group.Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        return new ProgressLine(match.Groups["activity"].Value, Number(match.Groups["done"]),
            match.Groups["total"].Success ? Number(match.Groups["total"]) : null, match.Groups["unit"].Value)
        {
            Percent = match.Groups["percent"].Success ? double.Parse(match.Groups["percent"].Value, CultureInfo.InvariantCulture) : null,
        };
    }

    [GeneratedRegex(@"^(?<activity>.+): (?<done>[0-9,]+)(?: of (?<total>[0-9,]+))? (?<unit>\S+)(?: \((?<percent>[0-9.]+) %\))?, [0-9,]+ \k<unit>/s$", RegexOptions.CultureInvariant)]
    private static partial Regex LinePattern();
}
