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
    /// <remarks>
    /// One reader, two paths: a value in the writer's own form (<see cref="TryReadCanonical"/>) is read without
    /// Utf8JsonReader; anything else (other field order, whitespace, escapes, exponents, more than 3 decimals,
    /// and every invalid value, so the reasons stay those of Utf8JsonReader) goes through <see cref="TryParseGeneral"/>.
    /// Both give the same decimals, scale and sign included.
    /// </remarks>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out EnergyReading? reading, out string? error)
    {
        if (TryReadCanonical(utf8, out var values, out var signsAndScales))
        {
            reading = ToEnergyReading(values, signsAndScales);
            error = null;
            return true;
        }

        return TryParseGeneral(utf8, out reading, out error);
    }

    /// <summary>
    /// Reads one message value into thousandths, without allocating for a value in the writer's form: the job's
    /// path (two million messages per run). The contract is checked exactly as by <see cref="TryParse"/>, with the
    /// same reasons; a value that keeps the contract but has a measure that is not a whole number of thousandths
    /// (or is beyond a long) gives <see cref="ThousandthsRead.NotThousandths"/>.
    /// </summary>
    public static ThousandthsRead TryReadThousandths(ReadOnlySpan<byte> utf8, out EnergyReadingThousandths values, out string? error)
    {
        error = null;
        if (TryReadCanonical(utf8, out values, out _))
        {
            return ThousandthsRead.Read;
        }

        if (!TryParseGeneral(utf8, out var reading, out error))
        {
            values = default;
            return ThousandthsRead.Invalid;
        }

        values = default;
        values.Timestamp = reading!.Timestamp;
        ReadOnlySpan<decimal?> measures =
        [
            reading.GlobalActivePower, reading.GlobalReactivePower, reading.Voltage, reading.GlobalIntensity,
            reading.SubMetering1, reading.SubMetering2, reading.SubMetering3,
        ];
        for (var i = 0; i < measures.Length; i++)
        {
            if (measures[i] is not { } measure)
            {
                values.MissingMask |= (byte)(1 << i);
            }
            else if (!TryToThousandths(measure, out values.Thousandths[i]))
            {
                values = default;
                return ThousandthsRead.NotThousandths;
            }
        }

        return ThousandthsRead.Read;
    }

    /// <summary>value x 1000 when that is a whole number within a long; exact (on the decimal's 96-bit coefficient).</summary>
    private static bool TryToThousandths(decimal value, out long thousandths)
    {
        thousandths = 0;
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var coefficient = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
        var scale = (bits[3] >> 16) & 0xFF;
        UInt128 magnitude;
        if (scale <= 3)
        {
            magnitude = coefficient * (uint)ThousandthsPerUnit(scale);
        }
        else
        {
            var divisor = UInt128.One;
            for (var i = 3; i < scale; i++)
            {
                divisor *= 10;
            }

            if (coefficient % divisor != 0)
            {
                return false;
            }

            magnitude = coefficient / divisor;
        }

        if (magnitude > long.MaxValue)
        {
            return false;
        }

        thousandths = bits[3] < 0 ? -(long)magnitude : (long)magnitude;
        return true;
    }

    private static ReadOnlySpan<byte> CanonicalStart => "{\"timestamp\":\""u8;

    /// <summary>Integer digits the canonical path reads: 10^15 thousandths-scaled stays well inside a long.</summary>
    private const int MaxCanonicalIntegerDigits = 15;

    /// <summary>
    /// The fast path: exactly the bytes <see cref="Write(IBufferWriter{byte}, EnergyReading)"/> produces (fields in
    /// its order, no whitespace, no escapes, the timestamp as 19 unescaped bytes) with each measure <c>null</c> or a
    /// JSON number of the form <c>-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?</c>. Every such value is valid JSON that
    /// <see cref="TryParseGeneral"/> accepts with the same values; anything else returns false (not "invalid":
    /// the caller then asks the general path, which decides and words the reason).
    /// </summary>
    /// <param name="signsAndScales">3 bits per measure: the number of decimals written (0-3) and a minus sign, so
    /// <see cref="TryParse"/> can build the very decimal Utf8JsonReader would (234.84 has scale 2, -0 keeps its sign).</param>
    private static bool TryReadCanonical(ReadOnlySpan<byte> utf8, out EnergyReadingThousandths values, out int signsAndScales)
    {
        values = default;
        signsAndScales = 0;
        const int timestampAt = 14;
        if (utf8.Length < timestampAt + 20 || !utf8.StartsWith(CanonicalStart)
            || !RawEnergyTopic.TryParseKey(utf8.Slice(timestampAt, 19), out values.Timestamp))
        {
            return false;
        }

        var at = timestampAt + 19;
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

            if (!TryReadCanonicalNumber(utf8, ref at, out values.Thousandths[i], out var signAndScale))
            {
                return false;
            }

            signsAndScales |= signAndScale << (3 * i);
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
    /// <c>-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?</c> at <paramref name="at"/>, in thousandths. What follows is not
    /// looked at here: a digit after a leading 0, an exponent or a 4th decimal makes the caller's next separator
    /// (or closing brace) fail to match, and the value goes to the general path.
    /// </summary>
    private static bool TryReadCanonicalNumber(ReadOnlySpan<byte> utf8, ref int at, out long thousandths, out int signAndScale)
    {
        thousandths = 0;
        signAndScale = 0;
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
                if (++integerDigits > MaxCanonicalIntegerDigits)
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
                if (++scale > 3)
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
        signAndScale = scale | (negative ? 4 : 0);
        return true;
    }

    /// <summary>10^(3 - scale): what one unit of the last decimal written is worth in thousandths.</summary>
    private static long ThousandthsPerUnit(int scale) => scale switch { 0 => 1000, 1 => 100, 2 => 10, _ => 1 };

    private static EnergyReading ToEnergyReading(in EnergyReadingThousandths values, int signsAndScales)
    {
        Span<decimal?> measures = stackalloc decimal?[EnergyReadingThousandths.Measures];
        for (var i = 0; i < measures.Length; i++)
        {
            if (!values.Has(i))
            {
                continue;
            }

            var signAndScale = signsAndScales >> (3 * i);
            var scale = signAndScale & 3;
            var coefficient = (ulong)Math.Abs(values.Thousandths[i]) / (ulong)ThousandthsPerUnit(scale);
            measures[i] = new decimal((int)(uint)coefficient, (int)(uint)(coefficient >> 32), 0, (signAndScale & 4) != 0, (byte)scale);
        }

        return new EnergyReading(values.Timestamp, measures[0], measures[1], measures[2], measures[3], measures[4], measures[5], measures[6]);
    }

    /// <summary>The general path: any JSON layout, numbers through Utf8JsonReader.TryGetDecimal.</summary>
    private static bool TryParseGeneral(ReadOnlySpan<byte> utf8, out EnergyReading? reading, out string? error)
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
