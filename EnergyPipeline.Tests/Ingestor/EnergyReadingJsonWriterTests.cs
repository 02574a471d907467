using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>
/// The shared writer writes bytes directly for speed; these tests hold it to the output of the straightforward
/// Utf8JsonWriter implementation it replaced (kept here as the reference), byte for byte.
/// </summary>
public sealed class EnergyReadingJsonWriterTests
{
    [Fact]
    public void Every_row_of_a_generated_file_is_written_exactly_as_the_reference_writer_does()
    {
        foreach (var reading in GeneratedReadings(seed: 21))
        {
            var energy = reading.ToEnergyReading();
            Assert.Equal(Reference(energy), EnergyReadingJson.Serialize(energy));
        }
    }

    [Fact]
    public void Every_row_of_a_generated_file_is_written_from_thousandths_as_from_decimals()
    {
        var readings = GeneratedReadings(seed: 22);
        Assert.Contains(readings, r => r.HasMissing);
        Span<byte> value = stackalloc byte[EnergyReadingJson.MaxLength];
        foreach (var reading in readings)
        {
            var length = KafkaReadingPublisher.WriteValue(reading, value);
            Assert.Equal(Reference(reading.ToEnergyReading()), value[..length].ToArray());
            Assert.Equal(RawEnergyTopic.FormatKey(reading.Timestamp), Encoding.ASCII.GetString(KafkaReadingPublisher.Key(reading)));
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(10L)]
    [InlineData(100L)]
    [InlineData(101L)]
    [InlineData(110L)]
    [InlineData(999L)]
    [InlineData(1_000L)]
    [InlineData(1_001L)]
    [InlineData(1_010L)]
    [InlineData(1_100L)]
    [InlineData(234_840L)]
    [InlineData(1_000_000L)]
    [InlineData(2_147_483_647L)]
    [InlineData(-1L)]
    [InlineData(-500L)]
    [InlineData(-1_500L)]
    [InlineData(-1_000_000L)]
    public void Thousandths_are_written_as_their_scale_3_decimal(long thousandths)
    {
        var values = new EnergyReadingThousandths { Timestamp = new DateTime(2007, 2, 3, 4, 5, 0), MissingMask = 0b0100010 };
        for (var i = 0; i < EnergyReadingThousandths.Measures; i++)
        {
            values.Thousandths[i] = values.Has(i) ? thousandths : 0;
        }

        var measure = thousandths / 1000m;
        var reading = new EnergyReading(values.Timestamp, measure, null, measure, measure, measure, null, measure);
        Span<byte> written = stackalloc byte[EnergyReadingJson.MaxLength];
        var length = EnergyReadingJson.Write(written, values);

        Assert.Equal(Reference(reading), written[..length].ToArray());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.000")]
    [InlineData("0.001")]
    [InlineData("0.010")]
    [InlineData("0.100")]
    [InlineData("1.000")]
    [InlineData("10.500")]
    [InlineData("234.840")]
    [InlineData("2147483.647")]
    [InlineData("4294967.295")]
    [InlineData("4294967.296")]
    [InlineData("-1.500")]
    [InlineData("-0.000")]
    [InlineData("123456789012345678.9012345678")]
    [InlineData("0.0000000001")]
    [InlineData("79228162514264337593543950335")]
    public void Edge_values_match_the_reference_writer(string text)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var reading = new EnergyReading(new DateTime(1, 1, 1, 0, 0, 0), value, null, value, null, value, null, value);

        Assert.Equal(Reference(reading), EnergyReadingJson.Serialize(reading));
        var buffer = new ArrayBufferWriter<byte>();
        EnergyReadingJson.Write(buffer, reading);
        Assert.Equal(Reference(reading), buffer.WrittenSpan.ToArray());
        // Read back as JSON (not through the contract's validator: most edge values are outside the physical bounds).
        using var json = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(value, json.RootElement.GetProperty("global_active_power").GetDecimal());
        Assert.Equal(value, json.RootElement.GetProperty("sub_metering_3").GetDecimal());
    }

    /// <summary>The 30,000 readings of a generated file, as the ingestor parses them.</summary>
    private static List<HouseholdReading> GeneratedReadings(ulong seed)
    {
        using var stream = new MemoryStream();
        SyntheticHouseholdFile.Write(stream, 30_000, seed);
        stream.Position = 0;
        var sink = new CollectingSink();
        HouseholdFileReader.Read(stream, sink, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(30_000, sink.Readings.Count);
        return sink.Readings.Select(r => r.Reading).ToList();
    }

    private static byte[] Reference(EnergyReading reading)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", reading.Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
            Measure(writer, "global_active_power", reading.GlobalActivePower);
            Measure(writer, "global_reactive_power", reading.GlobalReactivePower);
            Measure(writer, "voltage", reading.Voltage);
            Measure(writer, "global_intensity", reading.GlobalIntensity);
            Measure(writer, "sub_metering_1", reading.SubMetering1);
            Measure(writer, "sub_metering_2", reading.SubMetering2);
            Measure(writer, "sub_metering_3", reading.SubMetering3);
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static void Measure(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is not { } v)
        {
            writer.WriteNull(name);
            return;
        }

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
