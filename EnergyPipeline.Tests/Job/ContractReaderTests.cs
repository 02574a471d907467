using System.Text;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Job;

/// <summary>The job's fast paths in the shared contract reader accept what the slow paths accepted, and no more.</summary>
public sealed class ContractReaderTests
{
    [Fact]
    public void Fields_in_another_order_are_read_and_an_escaped_timestamp_is_refused()
    {
        const string json = """
            {"sub_metering_3":17,"voltage":234.84,"timestamp":"2006-12-16T17:24:00","global_active_power":4.216,
             "global_intensity":18.4,"sub_metering_1":0,"global_reactive_power":null,"sub_metering_2":1}
            """;

        Assert.True(EnergyReadingJson.TryParse(Encoding.UTF8.GetBytes(json), out var reading, out var error), error);
        Assert.Equal(new EnergyReading(new DateTime(2006, 12, 16, 17, 24, 0), 4.216m, null, 234.84m, 18.4m, 0m, 1m, 17m), reading);

        // Strings of the contract never need escapes; the rules refuse them so that Spark's checks on the raw text agree.
        Assert.False(EnergyReadingJson.TryParse(Encoding.UTF8.GetBytes(json.Replace("2006-12", "2006\\u002D12", StringComparison.Ordinal)), out _, out error));
        Assert.Equal(ReadingValidity.Reasons.NotAFlatJsonObject, error);
    }

    [Theory]
    [InlineData("2006-12-16T17:24:00", true)]
    [InlineData("2008-02-29T23:59:59", true)]
    [InlineData("2007-02-29T00:00:00", false)]
    [InlineData("2006-12-16 17:24:00", false)]
    [InlineData("2006-12-16T17:24", false)]
    [InlineData("2006-13-01T00:00:00", false)]
    [InlineData("2006-12-16T24:00:00", false)]
    [InlineData("2006-1a-16T17:24:00", false)]
    [InlineData("0000-01-01T00:00:00", false)]
    [InlineData("2006-12-16T17:24:00Z", false)]
    public void The_utf8_key_parser_agrees_with_the_string_one(string key, bool valid)
    {
        var fast = RawEnergyTopic.TryParseKey(Encoding.UTF8.GetBytes(key), out var fastMinute);
        var slow = RawEnergyTopic.TryParseKey(key, out var slowMinute);

        Assert.Equal(valid, fast);
        Assert.Equal(slow, fast);
        Assert.Equal(slowMinute, fastMinute);
    }
}
