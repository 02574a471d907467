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

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes the reading as one JSON object.</summary>
    public static void Write(IBufferWriter<byte> output, EnergyReading reading)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString(Timestamp, RawEnergyTopic.FormatKey(reading.Timestamp));
        WriteMeasure(writer, GlobalActivePower, reading.GlobalActivePower);
        WriteMeasure(writer, GlobalReactivePower, reading.GlobalReactivePower);
        WriteMeasure(writer, Voltage, reading.Voltage);
        WriteMeasure(writer, GlobalIntensity, reading.GlobalIntensity);
        WriteMeasure(writer, SubMetering1, reading.SubMetering1);
        WriteMeasure(writer, SubMetering2, reading.SubMetering2);
        WriteMeasure(writer, SubMetering3, reading.SubMetering3);
        writer.WriteEndObject();
    }

    public static byte[] Serialize(EnergyReading reading)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, reading);
        return buffer.WrittenSpan.ToArray();
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

    private static void WriteMeasure(Utf8JsonWriter writer, JsonEncodedText name, decimal? value)
    {
        if (value is not { } v)
        {
            writer.WriteNull(name);
            return;
        }

        // 234.840 is written as 234.84 and 0.000 as 0, as in the contract's example.
        Span<byte> digits = stackalloc byte[32];
        Utf8Formatter.TryFormat(v, digits, out var length, new StandardFormat('G'));
        var text = digits[..length];
        if (text.Contains((byte)'.'))
        {
            text = text.TrimEnd((byte)'0').TrimEnd((byte)'.');
        }

        writer.WritePropertyName(name);
        writer.WriteRawValue(text, skipInputValidation: true);
    }
}
