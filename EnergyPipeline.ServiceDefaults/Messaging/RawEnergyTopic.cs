using System.Globalization;

namespace EnergyPipeline.Messaging;

/// <summary>The contract of the <c>raw_energy</c> topic (DESIGN section 3): name, key and header names.</summary>
public static class RawEnergyTopic
{
    public const string Name = "raw_energy";
    public const int DefaultPartitions = 6;

    /// <summary>The key is the reading's minute; same minute, same key, same partition.</summary>
    public const string KeyFormat = "yyyy-MM-dd'T'HH:mm:ss";

    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";
    public const string RunIdHeader = "energy-run-id";
    public const string SourceSha256Header = "energy-source-sha256";

    public static string FormatKey(DateTime minute) => minute.ToString(KeyFormat, CultureInfo.InvariantCulture);

    public static bool TryParseKey(string key, out DateTime minute) =>
        DateTime.TryParseExact(key, KeyFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out minute);
}
