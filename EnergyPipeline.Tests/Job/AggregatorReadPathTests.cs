using System.Text;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Benchmarks;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The aggregator reads values straight into thousandths; values in other forms (other layouts, exponents, more
/// decimals, numbers beyond a slot) take the reader's general path and must aggregate, or be rejected, exactly alike.
/// </summary>
public sealed class AggregatorReadPathTests
{
    private static readonly DateTime At = new(2007, 6, 1, 12, 0, 0);

    private static string Canonical(string activePower) =>
        $$"""{"timestamp":"2007-06-01T12:00:00","global_active_power":{{activePower}},"global_reactive_power":0,"voltage":240,"global_intensity":1,"sub_metering_1":0,"sub_metering_2":0,"sub_metering_3":0}""";

    private static string? AddOne(string json, out AggregationResult result)
    {
        var aggregator = new QuarterlyAggregator();
        var reason = aggregator.Add(0, 0, Key(At), Encoding.UTF8.GetBytes(json));
        result = aggregator.Complete();
        return reason;
    }

    [Theory]
    [InlineData("0.6001", "measure 1 (0.6001) has more than 3 decimals or is out of range")]
    [InlineData("6001e-4", "measure 1 (0.6001) has more than 3 decimals or is out of range")]
    [InlineData("2147483.648", "measure 1 (2147483.648) has more than 3 decimals or is out of range")]
    [InlineData("-2147483.649", "measure 1 (-2147483.649) has more than 3 decimals or is out of range")]
    [InlineData("10000000000000000", "measure 1 (10000000000000000) has more than 3 decimals or is out of range")]
    [InlineData("79228162514264337593543950335", "measure 1 (79228162514264337593543950335) has more than 3 decimals or is out of range")]
    public void A_measure_that_does_not_fit_a_slot_is_invalid_with_the_decimal_paths_reason(string activePower, string reason)
    {
        Assert.Equal(reason, AddOne(Canonical(activePower), out var result));
        Assert.Equal((1L, 1L, 0), (result.MessagesRead, result.Invalid, result.Quarters.Count));
    }

    [Theory]
    [InlineData("2147483.647", 2_147_483.647)]
    [InlineData("-2147483.648", -2_147_483.648)]
    [InlineData("0.6000", 0.6)]
    [InlineData("6e-1", 0.6)]
    [InlineData("0.06E1", 0.6)]
    public void Edge_and_exponent_forms_aggregate_as_their_value(string activePower, double kw)
    {
        Assert.Null(AddOne(Canonical(activePower), out var result));
        Assert.Equal((decimal)kw, result.Quarters.Single().PeakGlobalActivePowerKw);
    }

    [Fact]
    public void Invalid_values_keep_the_readers_reason_and_the_checks_keep_their_order()
    {
        Assert.Equal("key is not the value's timestamp", new QuarterlyAggregator().Add(0, 0, Key(At.AddMinutes(1)), Encoding.UTF8.GetBytes(Canonical("0.6"))));
        // A value both off the slot's scale and under the wrong key: the key is checked first, as before.
        Assert.Equal("key is not the value's timestamp", new QuarterlyAggregator().Add(0, 0, Key(At.AddMinutes(1)), Encoding.UTF8.GetBytes(Canonical("0.6001"))));
        Assert.Equal("key is not the value's timestamp", new QuarterlyAggregator().Add(0, 0, Key(At.AddMinutes(1)), Encoding.UTF8.GetBytes(Canonical("2147483.648"))));
        foreach (var json in new[] { "{not json", "", Canonical("01"), Canonical("\"1\""), Canonical("0.6") + "x" })
        {
            Assert.False(ReferenceContractReader.TryParse(Encoding.UTF8.GetBytes(json), out _, out var expected));
            Assert.Equal(expected, AddOne(json, out _));
        }
    }

    [Fact]
    public void Synthetic_readings_written_by_the_writer_and_re_spaced_for_the_general_path_aggregate_identically()
    {
        var fast = new QuarterlyAggregator();
        var general = new QuarterlyAggregator();
        long offset = 0;
        foreach (var reading in SyntheticReadings.Generate(150_000))
        {
            var key = Key(reading.Timestamp);
            var value = Value(reading);
            Assert.Null(fast.Add((int)(offset % 6), offset, key, value));
            var spaced = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(value).Replace(",", " , ", StringComparison.Ordinal));
            Assert.Null(general.Add((int)(offset % 6), offset, key, spaced));
            offset++;
        }

        var expected = general.Complete();
        var actual = fast.Complete();
        Assert.Equal(expected.Quarters, actual.Quarters);
        Assert.Equal((expected.MessagesRead, expected.DuplicatesDropped, expected.Invalid), (actual.MessagesRead, actual.DuplicatesDropped, actual.Invalid));
        Assert.Equal(IndependentFigures.Of(SyntheticReadings.Generate(150_000)), actual.Quarters);
    }
}
