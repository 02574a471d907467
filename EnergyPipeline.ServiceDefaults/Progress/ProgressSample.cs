using System.Globalization;

namespace EnergyPipeline.Progress;

/// <summary>
/// One look at a long read or send: how many items are done, of how many when that is known in advance, after how
/// long. Percent and rate are computed here, once, for the terminal bar and the log lines alike.
/// </summary>
public sealed record ProgressSample(long Done, long? Total, TimeSpan Elapsed)
{
    /// <summary>Done as a share of the total (capped at 100), or null when the total is unknown or zero.</summary>
    public double? Percent => Total is > 0 ? Math.Min(100.0, Done * 100.0 / Total.Value) : null;

    /// <summary>Items per second since the start.</summary>
    public double PerSecond => Elapsed > TimeSpan.Zero ? Done / Elapsed.TotalSeconds : 0;

    /// <summary><c>1,250 of 5,000 messages (25.0 %), 500 messages/s</c>, or without a total <c>1,250 messages, 500 messages/s</c>.</summary>
    public string Describe(string unit) => Total is { } total
        ? string.Create(CultureInfo.InvariantCulture, $"{Done:N0} of {total:N0} {unit} ({Percent ?? 100:0.0} %), {PerSecond:N0} {unit}/s")
        : string.Create(CultureInfo.InvariantCulture, $"{Done:N0} {unit}, {PerSecond:N0} {unit}/s");
}
