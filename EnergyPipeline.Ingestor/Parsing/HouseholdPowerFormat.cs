using System.Text;

namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>The UCI household power file format (docs/contract.md, *The input file*).</summary>
public static class HouseholdPowerFormat
{
    public const string FileName = "household_power_consumption.txt";

    public const string Header =
        "Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;Sub_metering_1;Sub_metering_2;Sub_metering_3";

    public const int FieldCount = 9;
    public const int MeasureCount = 7;

    /// <summary>Every measure has three decimals; values are held in thousandths.</summary>
    public const int Scale = 3;

    public const byte Separator = (byte)';';
    public const byte MissingMarker = (byte)'?';

    public static ReadOnlySpan<byte> HeaderUtf8 =>
        "Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;Sub_metering_1;Sub_metering_2;Sub_metering_3"u8;

    public static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Column names of the seven measures, in file order.</summary>
    public static IReadOnlyList<string> MeasureNames { get; } =
    [
        "Global_active_power", "Global_reactive_power", "Voltage", "Global_intensity",
        "Sub_metering_1", "Sub_metering_2", "Sub_metering_3",
    ];

    internal static string Printable(ReadOnlySpan<byte> bytes, int max = 120)
    {
        var text = Encoding.UTF8.GetString(bytes.Length > max ? bytes[..max] : bytes);
        return bytes.Length > max ? text + "..." : text;
    }
}
