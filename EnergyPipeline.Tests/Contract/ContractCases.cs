using System.Text;
using static EnergyPipeline.Messaging.ReadingValidity.Reasons;

namespace EnergyPipeline.Tests.Contract;

/// <summary>
/// One case of the message contract: the bytes of a message's key and value (null = absent, as Kafka has it), the
/// verdict (null = valid, else the reason of the first rule broken) and, for a valid message, its minute and seven
/// measures in thousandths (null = missing). Written by hand from the message contract and the validity rules (docs/contract.md, *Message contract*, *Message validity*).
/// </summary>
public sealed record ContractCase(string Name, byte[]? Key, byte[]? Value, string? Reason, DateTime? Minute = null, long?[]? Thousandths = null)
{
    public override string ToString() => Name;
}

/// <summary>The contract's cases, the one table every engine's tests use.</summary>
public static class ContractCases
{
    public const string Minute = "2006-12-16T17:24:00";
    private static readonly DateTime At = new(2006, 12, 16, 17, 24, 0);

    /// <summary>The contract's example reading (docs/contract.md, *Message contract*) as the writer lays it out, with these 7 measure tokens.</summary>
    public static string Value(string timestamp, params string[] measures) =>
        $$"""{"timestamp":{{timestamp}},"global_active_power":{{measures[0]}},"global_reactive_power":{{measures[1]}},"voltage":{{measures[2]}},"global_intensity":{{measures[3]}},"sub_metering_1":{{measures[4]}},"sub_metering_2":{{measures[5]}},"sub_metering_3":{{measures[6]}}}""";

    private static readonly string[] Example = ["4.216", "0.418", "234.84", "18.4", "0", "1", "17"];
    private static readonly long?[] ExampleThousandths = [4_216, 418, 234_840, 18_400, 0, 1_000, 17_000];

    public static readonly string ExampleValue = Value($"\"{Minute}\"", Example);

    private static string WithMeasure(int index, string token)
    {
        var measures = (string[])Example.Clone();
        measures[index] = token;
        return Value($"\"{Minute}\"", measures);
    }

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private static readonly byte[] K = B(Minute);

    private static ContractCase Valid(string name, string value, long?[] thousandths, string key = Minute) =>
        new(name, B(key), B(value), null, DateTime.Parse(key, System.Globalization.CultureInfo.InvariantCulture), thousandths);

    private static ContractCase Invalid(string name, string value, string reason, string key = Minute) => new(name, B(key), B(value), reason);

    private static ContractCase InvalidBytes(string name, byte[]? key, byte[]? value, string reason) => new(name, key, value, reason);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static IReadOnlyList<ContractCase> All { get; } =
    [
        // Valid messages.
        Valid("the contract's example", ExampleValue, ExampleThousandths),
        Valid("a missing row: every measure null", Value($"\"{Minute}\"", "null", "null", "null", "null", "null", "null", "null"), [null, null, null, null, null, null, null]),
        Valid("a null measure in a complete reading", WithMeasure(1, "null"), [4_216, null, 234_840, 18_400, 0, 1_000, 17_000]),
        Valid("fields in another order", """{"sub_metering_3":17,"voltage":234.84,"timestamp":"2006-12-16T17:24:00","global_active_power":4.216,"global_intensity":18.4,"sub_metering_1":0,"global_reactive_power":0.418,"sub_metering_2":1}""", ExampleThousandths),
        Valid("whitespace padding within the size limit", " \r\n\t{ \"timestamp\" : \"2006-12-16T17:24:00\" ,\n\"global_active_power\":4.216, \"global_reactive_power\" :0.418,\"voltage\":234.84,\"global_intensity\":18.4,\"sub_metering_1\":0,\"sub_metering_2\":1,\"sub_metering_3\":17 }\n ", ExampleThousandths),
        Valid("-0 is zero", WithMeasure(0, "-0"), [0, 418, 234_840, 18_400, 0, 1_000, 17_000]),
        Valid("three decimals written in full", WithMeasure(2, "234.840"), ExampleThousandths),
        Valid("the bounds are inclusive", Value($"\"{Minute}\"", "50", "0", "150", "250", "1000", "0.000", "1000.000"), [50_000, 0, 150_000, 250_000, 1_000_000, 0, 1_000_000]),
        Valid("the file's extremes", Value($"\"{Minute}\"", "11.122", "1.39", "254.15", "48.4", "88", "80", "31"), [11_122, 1_390, 254_150, 48_400, 88_000, 80_000, 31_000]),
        Valid("the file's lowest values", Value($"\"{Minute}\"", "0.076", "0", "223.2", "0.2", "0", "0", "0"), [76, 0, 223_200, 200, 0, 0, 0]),
        Valid("a value of exactly the maximum size", ExampleValue + new string(' ', 1024 - ExampleValue.Length), ExampleThousandths),
        Valid("a leap day", Value("\"2008-02-29T23:59:00\"", Example), ExampleThousandths, key: "2008-02-29T23:59:00"),

        // Kafka's absent key and value.
        InvalidBytes("a null key", null, B(ExampleValue), NullKey),
        InvalidBytes("a null key and a null value", null, null, NullKey),
        InvalidBytes("a tombstone", K, null, Tombstone),

        // Size, encoding, shape.
        Invalid("a value over the maximum size (900 KB padded)", ExampleValue.Replace("{", "{" + new string(' ', 900 * 1024), StringComparison.Ordinal), ValueTooLarge),
        Invalid("a value one byte over the maximum size", ExampleValue + new string(' ', 1025 - ExampleValue.Length), ValueTooLarge),
        InvalidBytes("invalid UTF-8 in a field name", K, Concat(B("{\"timestamp\":\"2006-12-16T17:24:00\",\"global_active_power\":4.216,\""), [0xC3, 0x28], B("\":1}")), InvalidUtf8),
        InvalidBytes("invalid UTF-8: a lone continuation byte in a value", K, Concat(B(ExampleValue[..^1] + ",\"x\":\""), [0x80], B("\"}")), InvalidUtf8),
        InvalidBytes("invalid UTF-8: an encoded surrogate", K, Concat(B("{\"timestamp\":\""), [0xED, 0xA0, 0x80], B("\"}")), InvalidUtf8),
        InvalidBytes("an empty value", K, [], NotAFlatJsonObject),
        Invalid("not JSON", "{not json", NotAFlatJsonObject),
        Invalid("a JSON array", $"[{ExampleValue}]", NotAFlatJsonObject),
        Invalid("a nested object", WithMeasure(2, "{\"v\":234.84}"), NotAFlatJsonObject),
        Invalid("an array as a measure", WithMeasure(2, "[234.84]"), NotAFlatJsonObject),
        Invalid("text after the object", ExampleValue + "x", NotAFlatJsonObject),
        Invalid("two objects", ExampleValue + ExampleValue, NotAFlatJsonObject),
        Invalid("a trailing comma", ExampleValue[..^1] + ",}", NotAFlatJsonObject),
        Invalid("an escape in the timestamp", ExampleValue.Replace("2006-12", "2006\\u002D12", StringComparison.Ordinal), NotAFlatJsonObject),
        Invalid("a comment", "{/*c*/" + ExampleValue[1..], NotAFlatJsonObject),
        Invalid("JSON null", "null", NotAFlatJsonObject),

        // Fields.
        Invalid("an extra field", ExampleValue[..^1] + ",\"extra\":1}", UnknownField),
        Invalid("a field name in another case", ExampleValue.Replace("voltage", "Voltage", StringComparison.Ordinal), UnknownField),
        Invalid("a duplicate field", ExampleValue[..^1] + ",\"voltage\":234.84}", DuplicateField),
        Invalid("a duplicate timestamp", ExampleValue[..^1] + $",\"timestamp\":\"{Minute}\"}}", DuplicateField),
        Invalid("an unknown field and a duplicate one: the unknown field's rule comes first", ExampleValue[..^1] + ",\"voltage\":234.84,\"extra\":1}", UnknownField),
        Invalid("a missing field", ExampleValue.Replace(",\"voltage\":234.84", "", StringComparison.Ordinal), MissingField),
        Invalid("an empty object", "{}", MissingField),

        // The timestamp.
        Invalid("a Z suffix", Value("\"2006-12-16T17:24:00Z\"", Example), BadTimestamp, key: "2006-12-16T17:24:00Z"),
        Invalid("fractional seconds", Value("\"2006-12-16T17:24:00.000\"", Example), BadTimestamp, key: "2006-12-16T17:24:00.000"),
        Invalid("an unpadded month", Value("\"2006-1-16T17:24:00\"", Example), BadTimestamp, key: "2006-1-16T17:24:00"),
        Invalid("a space instead of T", Value("\"2006-12-16 17:24:00\"", Example), BadTimestamp, key: "2006-12-16 17:24:00"),
        Invalid("a lower-case t", Value("\"2006-12-16t17:24:00\"", Example), BadTimestamp, key: "2006-12-16t17:24:00"),
        Invalid("no seconds", Value("\"2006-12-16T17:24\"", Example), BadTimestamp, key: "2006-12-16T17:24"),
        Invalid("29 February of a common year", Value("\"2007-02-29T00:00:00\"", Example), BadTimestamp, key: "2007-02-29T00:00:00"),
        Invalid("hour 24", Value("\"2006-12-16T24:00:00\"", Example), BadTimestamp, key: "2006-12-16T24:00:00"),
        Invalid("month 13", Value("\"2006-13-01T00:00:00\"", Example), BadTimestamp, key: "2006-13-01T00:00:00"),
        Invalid("year 0000", Value("\"0000-01-01T00:00:00\"", Example), BadTimestamp, key: "0000-01-01T00:00:00"),
        Invalid("a null timestamp", Value("null", Example), BadTimestamp),
        Invalid("a numeric timestamp", Value("20061216172400", Example), BadTimestamp),
        // The plausible range: 1970-01-01T00:00 to 2099-12-31T23:59.
        Valid("the first minute of the range", Value("\"1970-01-01T00:00:00\"", Example), ExampleThousandths, key: "1970-01-01T00:00:00"),
        Valid("the last minute of the range", Value("\"2099-12-31T23:59:00\"", Example), ExampleThousandths, key: "2099-12-31T23:59:00"),
        Invalid("year 0001 (DateTime.MinValue's)", Value("\"0001-01-01T00:00:00\"", Example), TimestampOutOfRange, key: "0001-01-01T00:00:00"),
        Invalid("year 1583, just after the Gregorian switch", Value("\"1583-01-01T00:00:00\"", Example), TimestampOutOfRange, key: "1583-01-01T00:00:00"),
        Invalid("the minute before the range", Value("\"1969-12-31T23:59:00\"", Example), TimestampOutOfRange, key: "1969-12-31T23:59:00"),
        Invalid("the minute after the range", Value("\"2100-01-01T00:00:00\"", Example), TimestampOutOfRange, key: "2100-01-01T00:00:00"),
        Invalid("year 9999", Value("\"9999-12-31T23:59:00\"", Example), TimestampOutOfRange, key: "9999-12-31T23:59:00"),
        Invalid("the range is checked before the whole minute", Value("\"1969-12-31T23:59:30\"", Example), TimestampOutOfRange, key: "1969-12-31T23:59:30"),
        Invalid("not a whole minute", Value("\"2006-12-16T17:24:30\"", Example), TimestampNotWholeMinute, key: "2006-12-16T17:24:30"),
        Invalid("second 60", Value("\"2006-12-16T17:24:60\"", Example), BadTimestamp, key: "2006-12-16T17:24:60"),

        // The key.
        Invalid("the key is another minute", ExampleValue, KeyMismatch, key: "2006-12-16T17:25:00"),
        Invalid("the key has a Z suffix", ExampleValue, KeyMismatch, key: "2006-12-16T17:24:00Z"),
        InvalidBytes("an empty key", K[..0], B(ExampleValue), KeyMismatch),
        Invalid("the key has a trailing space", ExampleValue, KeyMismatch, key: Minute + " "),
        Invalid("the key is checked before the measures", WithMeasure(0, "0.6001"), KeyMismatch, key: "2006-12-16T17:25:00"),

        // The measures' form.
        Invalid("a quoted number", WithMeasure(0, "\"1\""), MeasureNotANumber),
        Invalid("true", WithMeasure(0, "true"), MeasureNotANumber),
        Invalid("NaN", WithMeasure(0, "NaN"), MeasureNotANumber),
        Invalid("a leading zero", WithMeasure(0, "01"), MeasureNotANumber),
        Invalid("a plus sign", WithMeasure(0, "+1"), MeasureNotANumber),
        Invalid("a lone decimal point", WithMeasure(0, "1."), MeasureNotANumber),
        Invalid("no integer digit", WithMeasure(0, ".5"), MeasureNotANumber),
        Invalid("nul", WithMeasure(0, "nul"), MeasureNotANumber),
        Invalid("a form before a range", Value($"\"{Minute}\"", "-5", "\"0\"", "234.84", "18.4", "0", "1", "17"), MeasureNotANumber),
        Invalid("4 decimals", WithMeasure(0, "0.6001"), MeasureNotPlainDecimal),
        Invalid("0.6000: 4 decimals, never rounded", WithMeasure(0, "0.6000"), MeasureNotPlainDecimal),
        Invalid("6E-1: an exponent", WithMeasure(0, "6E-1"), MeasureNotPlainDecimal),
        Invalid("1e-20", WithMeasure(0, "1e-20"), MeasureNotPlainDecimal),
        Invalid("1E+400", WithMeasure(0, "1E+400"), MeasureNotPlainDecimal),
        Invalid("8 integer digits", WithMeasure(2, "12345678"), MeasureNotPlainDecimal),

        // The measures' bounds.
        Invalid("a negative power (-5 kW)", WithMeasure(0, "-5"), MeasureOutOfRange),
        Invalid("a power beyond a household supply (2,000,000 kW)", WithMeasure(0, "2000000"), MeasureOutOfRange),
        Invalid("a negative voltage (-240 V)", WithMeasure(2, "-240"), MeasureOutOfRange),
        Invalid("a voltage just below the band", WithMeasure(2, "149.999"), MeasureOutOfRange),
        Invalid("a power just above the bound", WithMeasure(0, "50.001"), MeasureOutOfRange),
        Invalid("a negative thousandth of a Wh", WithMeasure(4, "-0.001"), MeasureOutOfRange),
        Invalid("a negative current", WithMeasure(3, "-0.2"), MeasureOutOfRange),
        Invalid("a sub-metering beyond 1000 Wh", WithMeasure(6, "1000.001"), MeasureOutOfRange),
        Invalid("a reactive power beyond 50 kW", WithMeasure(1, "9999999.999"), MeasureOutOfRange),
    ];
}
