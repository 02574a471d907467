using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace EnergyPipeline.Messaging;

/// <summary>
/// The JSON value of a <c>raw_energy</c> message: snake_case names, numbers as JSON numbers without trailing
/// zeros, missing values as <c>null</c>, never NaN. One writer and one reader for the whole project.
/// </summary>
public static class EnergyReadingJson
{
    public static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    public static readonly JsonEncodedText GlobalActivePower = JsonEncodedText.Encode("global_active_power");
    public static readonly JsonEncodedText GlobalReactivePower = JsonEncodedText.Encode("global_reactive_power");
    public static readonly JsonEncodedText Voltage = JsonEncodedText.Encode("voltage");
    public static readonly JsonEncodedText GlobalIntensity = JsonEncodedText.Encode("global_intensity");
    public static readonly JsonEncodedText SubMetering1 = JsonEncodedText.Encode("sub_metering_1");
    public static readonly JsonEncodedText SubMetering2 = JsonEncodedText.Encode("sub_metering_2");
    public static readonly JsonEncodedText SubMetering3 = JsonEncodedText.Encode("sub_metering_3");

    /// <summary>Longest value: fixed text plus seven 29-digit decimals with sign and point.</summary>
    private const int MaxLength = 512;

    /// <summary>Writes the reading as one JSON object.</summary>
    /// <remarks>
    /// Written byte by byte rather than through Utf8JsonWriter (the ingestor sends two million of these per run):
    /// the field names are constant ASCII and the timestamp has nothing to escape, so the output is the same
    /// JSON a Utf8JsonWriter would produce.
    /// </remarks>
    public static void Write(IBufferWriter<byte> output, EnergyReading reading)
    {
        var span = output.GetSpan(MaxLength);
        var length = Write(span, reading);
        output.Advance(length);
    }

    public static byte[] Serialize(EnergyReading reading)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        return buffer[..Write(buffer, reading)].ToArray();
    }

    private static int Write(Span<byte> destination, EnergyReading reading)
    {
        var at = 0;
        Append(destination, ref at, "{\"timestamp\":\""u8);
        WriteTimestamp(destination, ref at, reading.Timestamp);
        Append(destination, ref at, "\",\"global_active_power\":"u8);
        WriteMeasure(destination, ref at, reading.GlobalActivePower);
        Append(destination, ref at, ",\"global_reactive_power\":"u8);
        WriteMeasure(destination, ref at, reading.GlobalReactivePower);
        Append(destination, ref at, ",\"voltage\":"u8);
        WriteMeasure(destination, ref at, reading.Voltage);
        Append(destination, ref at, ",\"global_intensity\":"u8);
        WriteMeasure(destination, ref at, reading.GlobalIntensity);
        Append(destination, ref at, ",\"sub_metering_1\":"u8);
        WriteMeasure(destination, ref at, reading.SubMetering1);
        Append(destination, ref at, ",\"sub_metering_2\":"u8);
        WriteMeasure(destination, ref at, reading.SubMetering2);
        Append(destination, ref at, ",\"sub_metering_3\":"u8);
        WriteMeasure(destination, ref at, reading.SubMetering3);
        destination[at++] = (byte)'}';
        return at;
    }

    private static void Append(Span<byte> destination, ref int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination[at..]);
        at += text.Length;
    }

    /// <summary><see cref="RawEnergyTopic.KeyFormat"/> (yyyy-MM-ddTHH:mm:ss), invariant digits.</summary>
    private static void WriteTimestamp(Span<byte> destination, ref int at, DateTime t)
    {
        var d = destination.Slice(at, 19);
        var year = t.Year;
        d[0] = (byte)('0' + (year / 1000));
        d[1] = (byte)('0' + (year / 100 % 10));
        d[2] = (byte)('0' + (year / 10 % 10));
        d[3] = (byte)('0' + (year % 10));
        d[4] = (byte)'-';
        TwoDigits(d[5..], t.Month);
        d[7] = (byte)'-';
        TwoDigits(d[8..], t.Day);
        d[10] = (byte)'T';
        TwoDigits(d[11..], t.Hour);
        d[13] = (byte)':';
        TwoDigits(d[14..], t.Minute);
        d[16] = (byte)':';
        TwoDigits(d[17..], t.Second);
        at += 19;
    }

    private static void TwoDigits(Span<byte> destination, int value)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }

    /// <summary>
    /// Reads one message value. Returns false with a reason when the value breaks the contract
    /// (not JSON, a missing or unknown field, a measure that is not a number or null, a bad timestamp).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out EnergyReading? reading, out string? error)
    {
        reading = null;
        error = null;
        DateTime? timestamp = null;
        Span<decimal?> measures = stackalloc decimal?[7];
        Span<bool> seen = stackalloc bool[7];
        var expected = 0;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "value is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(Timestamp.EncodedUtf8Bytes))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !TryParseTimestamp(ref reader, out var parsed))
                    {
                        error = "timestamp is not yyyy-MM-ddTHH:mm:ss";
                        return false;
                    }

                    timestamp = parsed;
                    continue;
                }

                var index = MeasureIndex(ref reader, expected);
                if (index < 0)
                {
                    error = $"unknown field '{reader.GetString()}'";
                    return false;
                }

                reader.Read();
                seen[index] = true;
                expected = index + 1;
                switch (reader.TokenType)
                {
                    case JsonTokenType.Null:
                        measures[index] = null;
                        break;
                    case JsonTokenType.Number when reader.TryGetDecimal(out var value):
                        measures[index] = value;
                        break;
                    default:
                        error = $"field {index + 1} of the measures is not a number or null";
                        return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "value is not a single JSON object";
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = $"invalid JSON: {ex.Message}";
            return false;
        }

        if (timestamp is null)
        {
            error = "timestamp is missing";
            return false;
        }

        for (var i = 0; i < seen.Length; i++)
        {
            if (!seen[i])
            {
                error = $"measure {Names[i]} is missing";
                return false;
            }
        }

        reading = new EnergyReading(timestamp.Value, measures[0], measures[1], measures[2], measures[3], measures[4], measures[5], measures[6]);
        return true;
    }

    private static bool TryParseTimestamp(ref Utf8JsonReader reader, out DateTime timestamp) =>
        reader.ValueIsEscaped || reader.HasValueSequence
            ? RawEnergyTopic.TryParseKey(reader.GetString()!, out timestamp)
            : RawEnergyTopic.TryParseKey(reader.ValueSpan, out timestamp);

    private static readonly string[] Names =
    [
        "global_active_power", "global_reactive_power", "voltage", "global_intensity",
        "sub_metering_1", "sub_metering_2", "sub_metering_3",
    ];

    private static readonly JsonEncodedText[] MeasureNames =
    [
        GlobalActivePower, GlobalReactivePower, Voltage, GlobalIntensity, SubMetering1, SubMetering2, SubMetering3,
    ];

    /// <summary>The writer's field order is tried first: one comparison per field for the contract's own messages.</summary>
    private static int MeasureIndex(ref Utf8JsonReader reader, int expected)
    {
        if (expected < MeasureNames.Length && reader.ValueTextEquals(MeasureNames[expected].EncodedUtf8Bytes))
        {
            return expected;
        }

        if (reader.ValueTextEquals(GlobalActivePower.EncodedUtf8Bytes)) return 0;
        if (reader.ValueTextEquals(GlobalReactivePower.EncodedUtf8Bytes)) return 1;
        if (reader.ValueTextEquals(Voltage.EncodedUtf8Bytes)) return 2;
        if (reader.ValueTextEquals(GlobalIntensity.EncodedUtf8Bytes)) return 3;
        if (reader.ValueTextEquals(SubMetering1.EncodedUtf8Bytes)) return 4;
        if (reader.ValueTextEquals(SubMetering2.EncodedUtf8Bytes)) return 5;
        if (reader.ValueTextEquals(SubMetering3.EncodedUtf8Bytes)) return 6;
        return -1;
    }

    /// <summary>
    /// The decimal's digits without trailing fractional zeros (234.840 as 234.84, 0.000 as 0, as in the contract's
    /// example), or null.
    /// </summary>
    private static void WriteMeasure(Span<byte> destination, ref int at, decimal? value)
    {
        if (value is not { } v)
        {
            Append(destination, ref at, "null"u8);
            return;
        }

        if (TryWriteSmallNonNegative(destination, ref at, v))
        {
            return;
        }

        Utf8Formatter.TryFormat(v, destination[at..], out var length, new StandardFormat('G'));
        var text = destination.Slice(at, length);
        if (text.Contains((byte)'.'))
        {
            text = text.TrimEnd((byte)'0').TrimEnd((byte)'.');
        }

        at += text.Length;
    }

    private static ReadOnlySpan<uint> PowersOf10 => [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    /// <summary>
    /// The common case (the file's values: non-negative, 32-bit mantissa, scale up to 9) without the general
    /// decimal formatter; same digits as 'G' followed by the trim of trailing fractional zeros.
    /// </summary>
    private static bool TryWriteSmallNonNegative(Span<byte> destination, ref int at, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = value.Scale;
        if (bits[1] != 0 || bits[2] != 0 || bits[3] < 0 || scale >= PowersOf10.Length)
        {
            return false;
        }

        var mantissa = (uint)bits[0];
        var power = PowersOf10[scale];
        var integer = mantissa / power;
        var fraction = mantissa % power;
        var fractionDigits = scale;
        while (fractionDigits > 0 && fraction % 10 == 0)
        {
            fraction /= 10;
            fractionDigits--;
        }

        integer.TryFormat(destination[at..], out var written, default, CultureInfo.InvariantCulture);
        at += written;
        if (fractionDigits > 0)
        {
            destination[at++] = (byte)'.';
            for (var i = fractionDigits - 1; i >= 0; i--)
            {
                destination[at + i] = (byte)('0' + (fraction % 10));
                fraction /= 10;
            }

            at += fractionDigits;
        }

        return true;
    }
}
