using System.Globalization;
using System.Text;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The shared contract reader's allocation-free path (<see cref="EnergyReadingJson.TryReadThousandths"/>, also behind
/// <see cref="EnergyReadingJson.TryParse"/>) against <see cref="ReferenceContractReader"/> (the reader before it) and
/// against decimal.Parse, over random values in every number form JSON allows, invalid forms and other layouts.
/// </summary>
public sealed class ThousandthsReaderTests
{
    private static readonly string[] Names =
    [
        "global_active_power", "global_reactive_power", "voltage", "global_intensity",
        "sub_metering_1", "sub_metering_2", "sub_metering_3",
    ];

    private const string Minute = "2008-02-29T23:59:00";

    /// <summary>A measure as written in the message and, when it is a valid JSON number, its decimal.Parse value.</summary>
    private sealed record Measure(string Text, bool IsNull, decimal? Expected, bool IsCanonical);

    [Theory]
    [InlineData(1, 20_000)]
    [InlineData(2, 20_000)]
    [InlineData(3, 20_000)]
    public void Random_messages_are_read_exactly_as_the_reference_reader_and_decimal_Parse_read_them(int seed, int count)
    {
        var random = new Random(seed);
        var fastPathHits = 0;
        for (var n = 0; n < count; n++)
        {
            // Half the messages in the forms the ingestor writes, half in any form (valid or not).
            var writerForm = random.Next(2) == 0;
            var measures = Enumerable.Range(0, 7).Select(_ => RandomMeasure(random, writerForm)).ToArray();
            var spaced = !writerForm && random.Next(4) == 0;
            var json = Message(measures, spaced ? () => Whitespace(random) : () => "");
            var utf8 = Encoding.UTF8.GetBytes(json);
            var valid = measures.All(m => m.IsNull || m.Expected is not null);

            var referenceOk = ReferenceContractReader.TryParse(utf8, out var reference, out var referenceError);
            var ok = EnergyReadingJson.TryParse(utf8, out var reading, out var error);
            var read = EnergyReadingJson.TryReadThousandths(utf8, out var thousandths, out var thousandthsError);

            Assert.True(valid == referenceOk, $"{json}: reference {referenceError}");
            Assert.True(referenceOk == ok, json);
            Assert.Equal(referenceError, error);
            if (!ok)
            {
                Assert.Equal(ThousandthsRead.Invalid, read);
                Assert.Equal(referenceError, thousandthsError);
                continue;
            }

            Assert.Equal(reference, reading);
            Assert.Equal(new DateTime(2008, 2, 29, 23, 59, 0), reading!.Timestamp);
            var decimals = Measures(reading);
            var referenceDecimals = Measures(reference!);
            var allThousandths = true;
            for (var i = 0; i < 7; i++)
            {
                var measure = measures[i];
                if (measure.IsNull)
                {
                    Assert.Null(decimals[i]);
                    continue;
                }

                // Same value as decimal.Parse, and the very same decimal (scale and sign bits) as the reference.
                Assert.Equal(measure.Expected, decimals[i]);
                Assert.Equal(decimal.GetBits(referenceDecimals[i]!.Value), decimal.GetBits(decimals[i]!.Value));
                allThousandths &= ExpectedThousandths(measure.Expected!.Value) is not null;
            }

            Assert.Null(thousandthsError);
            Assert.Equal(allThousandths ? ThousandthsRead.Read : ThousandthsRead.NotThousandths, read);
            if (read == ThousandthsRead.Read)
            {
                Assert.Equal(reading.Timestamp, thousandths.Timestamp);
                for (var i = 0; i < 7; i++)
                {
                    Assert.Equal(!measures[i].IsNull, thousandths.Has(i));
                    Assert.Equal(measures[i].IsNull ? 0 : ExpectedThousandths(measures[i].Expected!.Value), thousandths.Thousandths[i]);
                }
            }

            if (!spaced && measures.All(m => m.IsNull || m.IsCanonical))
            {
                // The writer's form takes the path that allocates nothing.
                fastPathHits++;
                Assert.Equal(0, AllocatedBy(utf8));
            }
        }

        Assert.True(fastPathHits > count / 3, $"only {fastPathHits} messages in the writer's form");
    }

    [Theory]
    [InlineData("234.84", 234_840L)]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("-0.5", -500L)]
    [InlineData("0.001", 1L)]
    [InlineData("-0.001", -1L)]
    [InlineData("17", 17_000L)]
    [InlineData("234.840", 234_840L)]
    [InlineData("999999999999999.999", 999_999_999_999_999_999L)]
    [InlineData("-999999999999999.999", -999_999_999_999_999_999L)]
    public void The_ingestors_forms_are_read_into_thousandths_without_allocating(string number, long expected)
    {
        var utf8 = Encoding.UTF8.GetBytes(Message(Enumerable.Repeat(number, 7).ToArray()));

        Assert.Equal(ThousandthsRead.Read, EnergyReadingJson.TryReadThousandths(utf8, out var values, out var error));
        Assert.Null(error);
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal(expected, values.Thousandths[i]);
        }

        Assert.Equal(0, values.MissingMask);
        Assert.Equal(0, AllocatedBy(utf8));
    }

    [Fact]
    public void Nulls_set_the_missing_mask_without_allocating()
    {
        var utf8 = Encoding.UTF8.GetBytes(Message(["null", "0.418", "null", "18.4", "null", "1", "null"]));

        Assert.Equal(ThousandthsRead.Read, EnergyReadingJson.TryReadThousandths(utf8, out var values, out _));
        Assert.Equal(0b1010101, values.MissingMask);
        Assert.Equal([0L, 418, 0, 18_400, 0, 1_000, 0], Enumerable.Range(0, 7).Select(i => values.Thousandths[i]));
        Assert.Equal(0, AllocatedBy(utf8));
    }

    [Theory]
    [InlineData("1.5e1", 15_000L)]
    [InlineData("15E-1", 1_500L)]
    [InlineData("1e+3", 1_000_000L)]
    [InlineData("-2.5E0", -2_500L)]
    [InlineData("0.6000", 600L)]
    [InlineData("234.84000000", 234_840L)]
    [InlineData("1234567890123456", 1_234_567_890_123_456_000L)]
    [InlineData("0.0000000000e5", 0L)]
    public void Other_producers_number_forms_are_read_exactly(string number, long expected)
    {
        var utf8 = Encoding.UTF8.GetBytes(Message([number, "0", "0", "0", "0", "0", "0"]));

        Assert.Equal(ThousandthsRead.Read, EnergyReadingJson.TryReadThousandths(utf8, out var values, out var error));
        Assert.Null(error);
        Assert.Equal(expected, values.Thousandths[0]);
        Assert.Equal(ExpectedThousandths(decimal.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture)), expected);
    }

    [Theory]
    [InlineData("0.6001")]
    [InlineData("0.0005")]
    [InlineData("1e-4")]
    [InlineData("10000000000000000")] // 10^16 x 1000 is beyond a long
    [InlineData("79228162514264337593543950335")]
    public void Valid_numbers_that_are_not_whole_thousandths_are_told_apart_from_invalid_values(string number)
    {
        var utf8 = Encoding.UTF8.GetBytes(Message([number, "0", "0", "0", "0", "0", "0"]));

        Assert.Equal(ThousandthsRead.NotThousandths, EnergyReadingJson.TryReadThousandths(utf8, out _, out var error));
        Assert.Null(error);
        Assert.True(EnergyReadingJson.TryParse(utf8, out var reading, out _));
        Assert.Equal(decimal.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture), reading!.GlobalActivePower);
    }

    public static TheoryData<string> InvalidValues =>
    [
        "",
        "{not json",
        "null",
        "[]",
        "{}",
        Message(["01", "0", "0", "0", "0", "0", "0"]),
        Message(["-01.5", "0", "0", "0", "0", "0", "0"]),
        Message(["+1", "0", "0", "0", "0", "0", "0"]),
        Message([".5", "0", "0", "0", "0", "0", "0"]),
        Message(["1.", "0", "0", "0", "0", "0", "0"]),
        Message(["-", "0", "0", "0", "0", "0", "0"]),
        Message(["1e", "0", "0", "0", "0", "0", "0"]),
        Message(["0x10", "0", "0", "0", "0", "0", "0"]),
        Message(["NaN", "0", "0", "0", "0", "0", "0"]),
        Message(["1.5.2", "0", "0", "0", "0", "0", "0"]),
        Message(["\"1\"", "0", "0", "0", "0", "0", "0"]),
        Message(["true", "0", "0", "0", "0", "0", "0"]),
        Message(["nul", "0", "0", "0", "0", "0", "0"]),
        Message(["nulls", "0", "0", "0", "0", "0", "0"]),
        Message(["0", "0", "0", "0", "0", "0", "1e999"]),
        Message(["0", "0", "0", "0", "0", "0", "0"]) + "x",
        Message(["0", "0", "0", "0", "0", "0", "0"]) + "{}",
        Message(["0", "0", "0", "0", "0", "0", "0"])[..^1],
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace(",\"voltage\":0", "", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace("voltage", "voltagE", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace("}", ",\"extra\":1}", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace(Minute, "2007-02-29T00:00:00", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace(Minute, "2008-02-29 23:59:00", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace("\"" + Minute + "\"", "null", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace("\"timestamp\":\"" + Minute + "\",", "", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace("}", ",}", StringComparison.Ordinal),
        Message(["0", "0", "0", "0", "0", "0", "0"]).Replace("{", "{/*c*/", StringComparison.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void Invalid_values_are_rejected_with_the_reference_readers_reason(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);

        Assert.False(ReferenceContractReader.TryParse(utf8, out _, out var referenceError));
        Assert.False(EnergyReadingJson.TryParse(utf8, out var reading, out var error));
        Assert.Null(reading);
        Assert.Equal(referenceError, error);
        Assert.Equal(ThousandthsRead.Invalid, EnergyReadingJson.TryReadThousandths(utf8, out _, out var thousandthsError));
        Assert.Equal(referenceError, thousandthsError);
    }

    public static TheoryData<string> OtherLayouts =>
    [
        Message(["4.216", "0.418", "234.84", "18.4", "0", "1", "17"], () => " "),
        Message(["4.216", "0.418", "234.84", "18.4", "0", "1", "17"], () => "\r\n\t"),
        Message(["4.216", "0.418", "234.84", "18.4", "0", "1", "17"]) + "  \n",
        Message(["4.216", "0.418", "234.84", "18.4", "0", "1", "17"]).Replace("2008-", "2008\\u002D", StringComparison.Ordinal),
        """{"sub_metering_3":17,"global_active_power":4.216,"global_reactive_power":0.418,"voltage":234.84,"timestamp":"2008-02-29T23:59:00","global_intensity":18.4,"sub_metering_1":0,"sub_metering_2":1}""",
        """{"timestamp":"2008-02-29T23:59:00","global_active_power":4.216,"global_reactive_power":0.418,"voltage":234.84,"global_intensity":18.4,"sub_metering_1":0,"sub_metering_2":1,"sub_metering_3":17,"voltage":234.84}""",
    ];

    [Theory]
    [MemberData(nameof(OtherLayouts))]
    public void Other_valid_layouts_give_the_same_thousandths_as_the_writers_form(string json)
    {
        var canonical = Encoding.UTF8.GetBytes(Message(["4.216", "0.418", "234.84", "18.4", "0", "1", "17"]));
        var utf8 = Encoding.UTF8.GetBytes(json);

        Assert.True(ReferenceContractReader.TryParse(utf8, out var reference, out _));
        Assert.True(EnergyReadingJson.TryParse(utf8, out var reading, out _));
        Assert.Equal(reference, reading);
        Assert.Equal(ThousandthsRead.Read, EnergyReadingJson.TryReadThousandths(canonical, out var expected, out _));
        Assert.Equal(ThousandthsRead.Read, EnergyReadingJson.TryReadThousandths(utf8, out var values, out _));
        Assert.Equal(expected.Timestamp, values.Timestamp);
        Assert.Equal(expected.MissingMask, values.MissingMask);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => expected.Thousandths[i]), Enumerable.Range(0, 7).Select(i => values.Thousandths[i]));
    }

    [Fact]
    public void The_writers_output_reads_back_to_the_same_reading_and_its_thousandths()
    {
        var random = new Random(7);
        for (var n = 0; n < 5_000; n++)
        {
            decimal? Next() => random.Next(10) == 0 ? null : new decimal(random.Next(), 0, 0, random.Next(4) == 0, (byte)random.Next(4));
            var reading = new EnergyReading(new DateTime(2006, 12, 16, 17, 24, 0).AddMinutes(random.Next(2_000_000)),
                Next(), Next(), Next(), Next(), Next(), Next(), Next());
            var utf8 = EnergyReadingJson.Serialize(reading);

            Assert.True(EnergyReadingJson.TryParse(utf8, out var back, out var error), error);
            Assert.Equal(reading, back);
            Assert.Equal(ThousandthsRead.Read, EnergyReadingJson.TryReadThousandths(utf8, out var values, out _));
            var expected = Measures(reading);
            for (var i = 0; i < 7; i++)
            {
                Assert.Equal(expected[i] is null ? 0 : (long)(expected[i]!.Value * 1000), values.Thousandths[i]);
            }

            Assert.Equal(0, AllocatedBy(utf8));
        }
    }

    private static long AllocatedBy(byte[] utf8)
    {
        EnergyReadingJson.TryReadThousandths(utf8, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        EnergyReadingJson.TryReadThousandths(utf8, out _, out _);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long? ExpectedThousandths(decimal value)
    {
        var scaled = value * 1000;
        return scaled == decimal.Truncate(scaled) && scaled >= long.MinValue && scaled <= long.MaxValue ? (long)scaled : null;
    }

    private static decimal?[] Measures(EnergyReading r) =>
        [r.GlobalActivePower, r.GlobalReactivePower, r.Voltage, r.GlobalIntensity, r.SubMetering1, r.SubMetering2, r.SubMetering3];

    private static string Message(string[] numbers) => Message(numbers.Select(n => new Measure(n, false, null, false)).ToArray(), () => "");

    private static string Message(string[] numbers, Func<string> space) =>
        Message(numbers.Select(n => new Measure(n, false, null, false)).ToArray(), space);

    /// <summary>The writer's layout, with <paramref name="space"/> between every two tokens (JSON whitespace).</summary>
    private static string Message(Measure[] measures, Func<string> space)
    {
        var json = new StringBuilder();
        json.Append(space()).Append('{').Append(space()).Append("\"timestamp\"").Append(space()).Append(':').Append(space())
            .Append('"').Append(Minute).Append('"');
        for (var i = 0; i < 7; i++)
        {
            json.Append(space()).Append(',').Append(space()).Append('"').Append(Names[i]).Append('"').Append(space()).Append(':')
                .Append(space()).Append(measures[i].Text);
        }

        return json.Append(space()).Append('}').Append(space()).ToString();
    }

    private static string Whitespace(Random random) => random.Next(4) switch
    {
        0 => "",
        1 => " ",
        2 => "\t",
        _ => "\r\n  ",
    };

    /// <summary>
    /// null, or a number: sign, integer digits (0 to 17: beyond the fast path's 15 too), 0 to 5 decimals, sometimes
    /// an exponent; sometimes a form JSON forbids (leading zero, lone point, plus sign), which must be invalid.
    /// With <paramref name="writerForm"/>, only the forms the ingestor writes: up to 15 integer digits, up to 3 decimals.
    /// </summary>
    private static Measure RandomMeasure(Random random, bool writerForm)
    {
        if (random.Next(6) == 0)
        {
            return new Measure("null", true, null, true);
        }

        var text = new StringBuilder();
        var canonical = true;
        if (random.Next(4) == 0)
        {
            text.Append('-');
        }

        var integerDigits = random.Next(10) == 0 ? random.Next(14, writerForm ? 16 : 18) : random.Next(1, 5);
        if (random.Next(5) == 0)
        {
            text.Append('0');
            integerDigits = 1;
        }
        else
        {
            text.Append((char)('1' + random.Next(9)));
        }

        for (var i = 1; i < integerDigits; i++)
        {
            text.Append((char)('0' + random.Next(10)));
        }

        canonical &= integerDigits <= 15;
        var decimals = random.Next(10) switch { 0 or 1 when !writerForm => random.Next(4, 6), 2 or 3 => 0, _ => random.Next(1, 4) };
        if (decimals > 0)
        {
            text.Append('.');
            for (var i = 0; i < decimals; i++)
            {
                text.Append((char)('0' + (random.Next(3) == 0 ? 0 : random.Next(10))));
            }
        }

        canonical &= decimals <= 3;
        if (!writerForm && random.Next(8) == 0)
        {
            text.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(3) switch { 0 => "", 1 => "+", _ => "-" })
                .Append(random.Next(7));
            canonical = false;
        }

        var number = text.ToString();
        var expected = decimal.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
        switch (writerForm ? -1 : random.Next(40))
        {
            case 0: return new Measure("0" + number.TrimStart('-'), false, null, false);  // leading zero
            case 1: return new Measure("+" + number.TrimStart('-'), false, null, false);
            case 2: return new Measure(number + ".", false, null, false);
            case 3: return new Measure("\"" + number + "\"", false, null, false);
            default: return new Measure(number, false, expected, canonical);
        }
    }
}
