using System.Text;
using System.Text.Json;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Ingestor;

public sealed class MessageContractTests
{
    private static EnergyReading ParseLine(string line)
    {
        Assert.True(HouseholdLineParser.TryParse(Encoding.UTF8.GetBytes(line), out var reading, out var reason, out var detail), $"{reason}: {detail}");
        return reading.ToEnergyReading();
    }

    [Fact]
    public void First_line_of_the_file_gives_the_contract_s_example_exactly()
    {
        var json = Encoding.UTF8.GetString(EnergyReadingJson.Serialize(ParseLine("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000")));

        Assert.Equal(
            """{"timestamp":"2006-12-16T17:24:00","global_active_power":4.216,"global_reactive_power":0.418,"voltage":234.84,"global_intensity":18.4,"sub_metering_1":0,"sub_metering_2":1,"sub_metering_3":17}""",
            json);
    }

    [Fact]
    public void Missing_row_has_nulls_and_every_contract_field()
    {
        var json = EnergyReadingJson.Serialize(ParseLine("21/12/2006;11:23:00;?;?;?;?;?;?;"));
        using var document = JsonDocument.Parse(json);

        string[] names = ["timestamp", "global_active_power", "global_reactive_power", "voltage", "global_intensity", "sub_metering_1", "sub_metering_2", "sub_metering_3"];
        Assert.Equal(names, document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2006-12-21T11:23:00", document.RootElement.GetProperty("timestamp").GetString());
        Assert.All(names[1..], n => Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty(n).ValueKind));
        Assert.DoesNotContain("NaN", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_is_the_minute_and_is_the_same_for_padded_and_unpadded_dates()
    {
        var unpadded = ParseLine("1/2/2007;00:05:00;2.580;0.136;241.970;10.600;0.000;0.000;0.000");
        var padded = ParseLine("01/02/2007;00:05:00;2.580;0.136;241.970;10.600;0.000;0.000;0.000");

        Assert.Equal("2007-02-01T00:05:00", RawEnergyTopic.FormatKey(unpadded.Timestamp));
        Assert.Equal(RawEnergyTopic.FormatKey(unpadded.Timestamp), RawEnergyTopic.FormatKey(padded.Timestamp));
        Assert.True(RawEnergyTopic.TryParseKey("2007-02-01T00:05:00", out var back));
        Assert.Equal(unpadded.Timestamp, back);
    }

    [Fact]
    public void Kafka_key_bytes_are_the_utf8_of_FormatKey_for_every_minute_of_a_generated_file()
    {
        using var stream = new MemoryStream();
        EnergyPipeline.Ingestor.Generation.SyntheticHouseholdFile.Write(stream, 30_000, seed: 4);
        stream.Position = 0;
        var sink = new CollectingSink();
        HouseholdFileReader.Read(stream, sink, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(30_000, sink.Readings.Count);
        foreach (var (_, reading) in sink.Readings)
        {
            Assert.Equal(Encoding.UTF8.GetBytes(RawEnergyTopic.FormatKey(reading.Timestamp)), EnergyPipeline.Ingestor.Kafka.MessageKey.Utf8(reading.Timestamp));
        }

        Assert.Equal("0001-01-01T00:00:00"u8.ToArray(), EnergyPipeline.Ingestor.Kafka.MessageKey.Utf8(DateTime.MinValue.AddSeconds(0)));
        Assert.Equal("9999-12-31T23:59:59"u8.ToArray(), EnergyPipeline.Ingestor.Kafka.MessageKey.Utf8(new DateTime(9999, 12, 31, 23, 59, 59)));
    }
}
