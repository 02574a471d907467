using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>Keys and timestamps one past each field's range are refused as invalid, never thrown on.</summary>
public sealed class KeyFormatEdgeTests
{
    [Theory]
    [InlineData("2006-12-16T17:24:60")]
    [InlineData("2006-12-16T17:60:00")]
    [InlineData("2006-12-16T24:00:00")]
    [InlineData("2006-12-32T00:00:00")]
    [InlineData("2006-04-31T00:00:00")]
    [InlineData("2006-00-10T00:00:00")]
    [InlineData("0000-12-16T17:24:00")]
    public void A_field_one_past_its_range_is_not_a_key(string key)
    {
        Assert.False(RawEnergyTopic.TryParseKey(Encoding.UTF8.GetBytes(key), out _));
    }

    [Fact]
    public void A_message_whose_key_and_timestamp_have_second_60_is_invalid_and_the_run_goes_on()
    {
        var aggregator = new QuarterlyAggregator();
        var good = Value(Complete(new DateTime(2006, 12, 16, 17, 24, 0), 0.6m));
        var bad = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(good).Replace("17:24:00", "17:24:60", StringComparison.Ordinal));

        Assert.NotNull(aggregator.Add(0, 0, "2006-12-16T17:24:60"u8, bad));
        Assert.Null(aggregator.Add(0, 1, "2006-12-16T17:24:00"u8, good));

        var result = aggregator.Complete();
        Assert.Equal((1L, 10.000m), (result.Invalid, result.Quarter(2006, 10).TotalEnergyWh));
    }
}
