using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using EnergyPipeline.Ingestor.Generation;
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
        using var stream = new MemoryStream();
        SyntheticHouseholdFile.Write(stream, 30_000, seed: 21);
        stream.Position = 0;
        var sink = new CollectingSink();
        HouseholdFileReader.Read(stream, sink, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(30_000, sink.Readings.Count);
        foreach (var (_, reading) in sink.Readings)
        {
            var energy = reading.ToEnergyReading();
            Assert.Equal(Reference(energy), EnergyReadingJson.Serialize(energy));
        }
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
