using System.Text.Json;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The contract reader as it was before its allocation-free path (Utf8JsonReader + TryGetDecimal for every value),
/// copied verbatim as the reference: the shared reader must accept, reject, word its reasons and produce decimals
/// exactly as this did.
/// </summary>
internal static class ReferenceContractReader
{
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
                if (reader.ValueTextEquals(EnergyReadingJson.Timestamp.EncodedUtf8Bytes))
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
        EnergyReadingJson.GlobalActivePower, EnergyReadingJson.GlobalReactivePower, EnergyReadingJson.Voltage,
        EnergyReadingJson.GlobalIntensity, EnergyReadingJson.SubMetering1, EnergyReadingJson.SubMetering2,
        EnergyReadingJson.SubMetering3,
    ];

    /// <summary>The writer's field order is tried first: one comparison per field for the contract's own messages.</summary>
    private static int MeasureIndex(ref Utf8JsonReader reader, int expected)
    {
        if (expected < MeasureNames.Length && reader.ValueTextEquals(MeasureNames[expected].EncodedUtf8Bytes))
        {
            return expected;
        }

        if (reader.ValueTextEquals(EnergyReadingJson.GlobalActivePower.EncodedUtf8Bytes)) return 0;
        if (reader.ValueTextEquals(EnergyReadingJson.GlobalReactivePower.EncodedUtf8Bytes)) return 1;
        if (reader.ValueTextEquals(EnergyReadingJson.Voltage.EncodedUtf8Bytes)) return 2;
        if (reader.ValueTextEquals(EnergyReadingJson.GlobalIntensity.EncodedUtf8Bytes)) return 3;
        if (reader.ValueTextEquals(EnergyReadingJson.SubMetering1.EncodedUtf8Bytes)) return 4;
        if (reader.ValueTextEquals(EnergyReadingJson.SubMetering2.EncodedUtf8Bytes)) return 5;
        if (reader.ValueTextEquals(EnergyReadingJson.SubMetering3.EncodedUtf8Bytes)) return 6;
        return -1;
    }
}
