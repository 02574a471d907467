using System.Globalization;

namespace EnergyPipeline.Settings;

/// <summary>
/// One setting a program reads: its configuration key (<c>Section:Key</c>, or an environment variable's name), its
/// default, and what it means. A default in parentheses describes it (<c>(required)</c>, <c>(none)</c>,
/// <c>(generated)</c>); any other default is the value itself. A key ending in <c>:NAME</c> stands for every key below
/// that section (<c>Aspire:Confluent:Kafka:Producer:Config:NAME</c>: any librdkafka property).
/// </summary>
public sealed record SettingDescriptor(string Key, string Default, string Meaning)
{
    /// <summary>The last segment of a key that stands for any name below its section.</summary>
    public const string AnyName = "NAME";

    /// <summary>True when <paramref name="key"/> is this setting's key or, for a <c>:NAME</c> key, any key below its section.</summary>
    public bool Covers(string key) =>
        Key.EndsWith(":" + AnyName, StringComparison.Ordinal)
            ? key.StartsWith(Key[..^AnyName.Length], StringComparison.OrdinalIgnoreCase)
            : string.Equals(Key, key, StringComparison.OrdinalIgnoreCase);

    /// <summary>The default of a setting that must be given.</summary>
    public const string Required = "(required)";

    /// <summary>The default of a setting that is optional and has no value unless given.</summary>
    public const string None = "(none)";

    /// <summary>A duration's default as the settings take it: whole or fractional seconds.</summary>
    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
