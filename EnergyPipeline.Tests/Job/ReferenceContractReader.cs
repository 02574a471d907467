using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The contract reader as it was before its allocation-free path (Utf8JsonReader + TryGetDecimal for every value),
/// kept as the reference: the shared reader must accept, reject, word its reasons and produce decimals exactly as
/// this does. It shares nothing with the product but the <see cref="EnergyReading"/> record: the field names are
/// written out here and the timestamp is checked by its own pattern, so a wrong name or a lax key parser in the
/// product cannot hide behind the same mistake in the reference.
/// </summary>
internal static partial class ReferenceContractReader
{
    public static bool TryParse(ReadOnlySpan<byte> utf8, out EnergyReading? reading, out string? error)
    {
        reading = null;
        error = null;
        DateTime? timestamp = null;
        Span<decimal?> measures = stackalloc decimal?[7];
        Span<bool> seen = stackalloc bool[7];
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
                if (reader.ValueTextEquals("timestamp"u8))
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

                var index = MeasureIndex(ref reader);
                if (index < 0)
                {
                    error = $"unknown field '{reader.GetString()}'";
                    return false;
                }

                reader.Read();
                seen[index] = true;
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

    /// <summary>yyyy-MM-ddTHH:mm:ss with ASCII digits only, a real calendar day and time.</summary>
    private static bool TryParseTimestamp(ref Utf8JsonReader reader, out DateTime timestamp)
    {
        timestamp = default;
        var match = TimestampPattern().Match(reader.GetString()!);
        if (!match.Success)
        {
            return false;
        }

        int Part(string name) => int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
        var (year, month, day) = (Part("y"), Part("mo"), Part("d"));
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || Part("h") > 23 || Part("mi") > 59 || Part("s") > 59)
        {
            return false;
        }

        timestamp = new DateTime(year, month, day, Part("h"), Part("mi"), Part("s"));
        return true;
    }

    [GeneratedRegex(@"^(?<y>[0-9]{4})-(?<mo>[0-9]{2})-(?<d>[0-9]{2})T(?<h>[0-9]{2}):(?<mi>[0-9]{2}):(?<s>[0-9]{2})$")]
    private static partial Regex TimestampPattern();

    private static readonly string[] Names =
    [
        "global_active_power", "global_reactive_power", "voltage", "global_intensity",
        "sub_metering_1", "sub_metering_2", "sub_metering_3",
    ];

    /// <summary>The measure's index in the contract's order, or -1 for an unknown name.</summary>
    private static int MeasureIndex(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (reader.ValueTextEquals(Names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
