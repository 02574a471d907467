using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
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
    public const int MaxLength = 512;

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

    /// <summary>
    /// Writes a reading held in thousandths into <paramref name="destination"/> (at least <see cref="MaxLength"/>
    /// bytes) and returns the length: the same JSON <see cref="Serialize"/> gives for the reading's scale-3 decimals,
    /// without a decimal or an <see cref="EnergyReading"/> per message (the ingestor's hot path).
    /// </summary>
    public static int Write(Span<byte> destination, in EnergyReadingThousandths values)
    {
        var at = 0;
        Append(destination, ref at, CanonicalStart);
        WriteTimestamp(destination, ref at, values.Timestamp);
        for (var i = 0; i < EnergyReadingThousandths.Measures; i++)
        {
            Append(destination, ref at, CanonicalSeparator(i));
            if (values.Has(i))
            {
                WriteThousandths(destination, ref at, values.Thousandths[i]);
            }
            else
            {
                Append(destination, ref at, "null"u8);
            }
        }

        destination[at++] = (byte)'}';
        return at;
    }

    /// <summary>A value in thousandths as its shortest decimal text: 234840 as 234.84, 0 as 0, -500 as -0.5.</summary>
    private static void WriteThousandths(Span<byte> destination, ref int at, long thousandths)
    {
        if (thousandths < 0)
        {
            destination[at++] = (byte)'-';
        }

        var magnitude = (ulong)Math.Abs(thousandths);
        (magnitude / 1000).TryFormat(destination[at..], out var written, default, CultureInfo.InvariantCulture);
        at += written;
        var fraction = (int)(magnitude % 1000);
        if (fraction == 0)
        {
            return;
        }

        destination[at++] = (byte)'.';
        destination[at++] = (byte)('0' + (fraction / 100));
        if (fraction % 100 != 0)
        {
            destination[at++] = (byte)('0' + (fraction / 10 % 10));
            if (fraction % 10 != 0)
            {
                destination[at++] = (byte)('0' + (fraction % 10));
            }
        }
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
    /// Reads one message value under every rule of <see cref="ReadingValidity"/> except the key's (the value is read
    /// as if its key were its own timestamp). Returns false with the rule's reason when the value breaks the contract.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out EnergyReading? reading, out string? error)
    {
        error = ReadingValidator.CheckValue(utf8, out var values);
        reading = error is null ? ToEnergyReading(values) : null;
        return error is null;
    }

    private static ReadOnlySpan<byte> CanonicalStart => "{\"timestamp\":\""u8;

    private const int CanonicalTimestampAt = 14;

    /// <summary>The 19 timestamp bytes of a value <see cref="TryReadCanonical"/> accepted.</summary>
    internal static ReadOnlySpan<byte> CanonicalTimestamp(ReadOnlySpan<byte> utf8) => utf8.Slice(CanonicalTimestampAt, 19);

    /// <summary>
    /// The fast path: exactly the bytes <see cref="Write(IBufferWriter{byte}, EnergyReading)"/> produces (fields in
    /// its order, no whitespace, no escapes, the timestamp as 19 bytes that <see cref="RawEnergyTopic.TryParseKey(ReadOnlySpan{byte}, out DateTime)"/>
    /// accepts) with each measure <c>null</c> or a number of the form <c>-?(0|[1-9][0-9]{0,6})(\.[0-9]{1,3})?</c>.
    /// Such a value keeps every rule of <see cref="ReadingValidity"/> up to and including the timestamp's shape and
    /// the measures' form; anything else returns false (not "invalid": <see cref="ReadingValidator"/> then applies the
    /// rules one by one and names the reason).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryReadCanonical(ReadOnlySpan<byte> utf8, out EnergyReadingThousandths values)
    {
        values = default;
        if (utf8.Length < CanonicalTimestampAt + 20 || !utf8.StartsWith(CanonicalStart)
            || !RawEnergyTopic.TryParseKey(CanonicalTimestamp(utf8), out values.Timestamp))
        {
            return false;
        }

        var at = CanonicalTimestampAt + 19;
        for (var i = 0; i < EnergyReadingThousandths.Measures; i++)
        {
            var separator = CanonicalSeparator(i);
            if (!utf8[at..].StartsWith(separator))
            {
                return false;
            }

            at += separator.Length;
            if (at + 4 <= utf8.Length && utf8[at] == (byte)'n')
            {
                if (!utf8.Slice(at, 4).SequenceEqual("null"u8))
                {
                    return false;
                }

                values.MissingMask |= (byte)(1 << i);
                at += 4;
                continue;
            }

            if (!TryReadCanonicalNumber(utf8, ref at, out values.Thousandths[i]))
            {
                return false;
            }
        }

        return at == utf8.Length - 1 && utf8[at] == (byte)'}';
    }

    /// <summary>What precedes measure i: the timestamp's closing quote and <c>,"global_active_power":</c>, then <c>,"name":</c>.</summary>
    private static ReadOnlySpan<byte> CanonicalSeparator(int measure) => measure switch
    {
        0 => "\",\"global_active_power\":"u8,
        1 => ",\"global_reactive_power\":"u8,
        2 => ",\"voltage\":"u8,
        3 => ",\"global_intensity\":"u8,
        4 => ",\"sub_metering_1\":"u8,
        5 => ",\"sub_metering_2\":"u8,
        _ => ",\"sub_metering_3\":"u8,
    };

    /// <summary>
    /// <c>-?(0|[1-9][0-9]{0,6})(\.[0-9]{1,3})?</c> at <paramref name="at"/>, in thousandths. What follows is not
    /// looked at here: a digit after a leading 0, an exponent, an 8th integer digit or a 4th decimal makes the caller's
    /// next separator (or closing brace) fail to match, and the value goes to the rules one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryReadCanonicalNumber(ReadOnlySpan<byte> utf8, ref int at, out long thousandths)
    {
        thousandths = 0;
        var negative = at < utf8.Length && utf8[at] == (byte)'-';
        if (negative)
        {
            at++;
        }

        if (at >= utf8.Length)
        {
            return false;
        }

        var digit = (uint)(utf8[at] - '0');
        if (digit > 9)
        {
            return false;
        }

        var coefficient = (long)digit;
        at++;
        if (digit != 0)
        {
            var integerDigits = 1;
            while (at < utf8.Length && (digit = (uint)(utf8[at] - '0')) <= 9)
            {
                if (++integerDigits > ReadingValidity.MaxIntegerDigits)
                {
                    return false;
                }

                coefficient = coefficient * 10 + digit;
                at++;
            }
        }

        var scale = 0;
        if (at < utf8.Length && utf8[at] == (byte)'.')
        {
            at++;
            while (at < utf8.Length && (digit = (uint)(utf8[at] - '0')) <= 9)
            {
                if (++scale > ReadingValidity.MaxDecimals)
                {
                    return false;
                }

                coefficient = coefficient * 10 + digit;
                at++;
            }

            if (scale == 0)
            {
                return false;
            }
        }

        var magnitude = coefficient * ThousandthsPerUnit(scale);
        thousandths = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>10^(3 - scale): what one unit of the last decimal written is worth in thousandths.</summary>
    private static long ThousandthsPerUnit(int scale) => scale switch { 0 => 1000, 1 => 100, 2 => 10, _ => 1 };

    private static EnergyReading ToEnergyReading(in EnergyReadingThousandths values)
    {
        Span<decimal?> measures = stackalloc decimal?[EnergyReadingThousandths.Measures];
        for (var i = 0; i < measures.Length; i++)
        {
            if (values.Has(i))
            {
                var thousandths = values.Thousandths[i];
                var magnitude = (ulong)Math.Abs(thousandths);
                measures[i] = new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, thousandths < 0, 3);
            }
        }

        return new EnergyReading(values.Timestamp, measures[0], measures[1], measures[2], measures[3], measures[4], measures[5], measures[6]);
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
