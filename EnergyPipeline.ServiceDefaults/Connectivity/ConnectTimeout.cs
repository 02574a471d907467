using System.Globalization;

namespace EnergyPipeline.Connectivity;

/// <summary>
/// How long a service tries to reach Kafka or PostgreSQL at start before it fails with the address and the cause
/// (<c>Pipeline:ConnectTimeout</c>, <c>Ingestor:ConnectTimeout</c>): seconds (<c>15</c>) or a time span (<c>00:00:15</c>).
/// </summary>
public static class ConnectTimeout
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    /// <summary>Reads a duration setting: seconds (15) or a time span (00:00:15); unset gives <paramref name="whenUnset"/> (default 15 s).</summary>
    public static TimeSpan Parse(string? value, string setting, TimeSpan? whenUnset = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return whenUnset ?? Default;
        }

        // A bare number is seconds: TimeSpan would read "15" as fifteen days.
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds > 0 && seconds <= int.MaxValue / 1000
                ? TimeSpan.FromSeconds(seconds)
                : throw new ConnectionSettingException($"{setting} is '{value}'; give a positive number of seconds.");
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new ConnectionSettingException($"{setting} is '{value}'; give seconds (15) or a time span (00:00:15).");
    }
}
