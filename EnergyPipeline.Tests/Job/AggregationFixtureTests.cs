using System.Text;
using EnergyPipeline.SparkJob.Aggregation;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>The aggregation on small fixtures whose figures are worked out by hand in the comments.</summary>
public sealed class AggregationFixtureTests
{
    private static readonly DateTime LastMinuteOfQ1 = new(2007, 3, 31, 23, 59, 0);
    private static readonly DateTime FirstMinuteOfQ2 = new(2007, 4, 1, 0, 0, 0);

    private static QuarterlyAggregator MissingRowsAndADuplicate(bool newestFirst)
    {
        var aggregator = new QuarterlyAggregator();
        aggregator.Add(Complete(LastMinuteOfQ1, 1.2m, grp: 0.1m, voltage: 240m, s1: 1, s2: 2, s3: 3), partition: 1, offset: 0);
        aggregator.Add(Complete(FirstMinuteOfQ2, 0.6m, grp: 0m, voltage: 230m), partition: 2, offset: 0);
        aggregator.Add(Missing(FirstMinuteOfQ2.AddMinutes(1)), partition: 3, offset: 0);
        var older = Complete(FirstMinuteOfQ2.AddMinutes(2), 3m, grp: 0.3m, voltage: 250m, s1: 5);
        var newer = Complete(FirstMinuteOfQ2.AddMinutes(2), 0.06m, grp: 0.05m, voltage: 235.5m, s3: 1);
        if (newestFirst)
        {
            aggregator.Add(newer, partition: 0, offset: 9);
            aggregator.Add(older, partition: 0, offset: 5);
        }
        else
        {
            aggregator.Add(older, partition: 0, offset: 5);
            aggregator.Add(newer, partition: 0, offset: 9);
        }

        return aggregator;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Missing_rows_and_a_re_ingested_minute_give_the_hand_computed_figures(bool newestFirst)
    {
        var result = MissingRowsAndADuplicate(newestFirst).Complete();

        Assert.Equal(5, result.MessagesRead);
        Assert.Equal(1, result.DuplicatesDropped);
        Assert.Equal(0, result.Invalid);
        Assert.Equal(2, result.Quarters.Count);

        // Q1: one reading, 1.2 kW for a minute = 1.2 * 1000 / 60 = 20 Wh; 0.1 kvar -> 1.6666.. -> 1.667 varh.
        Assert.Equal(
            new QuarterFigures(new DateOnly(2007, 1, 1), 20.000m, 1, 1, 0, 1m, 2m, 3m, 14.000m, 1.667m, 240.000m, 1.200m, 1.200m,
                LastMinuteOfQ1, LastMinuteOfQ1),
            result.Quarter(2007, 1));

        // Q2: 0.6 + 0.06 (offset 9 wins over offset 5) = 0.66 kW -> 11 Wh; one missing minute; s3 = 1 from the winner;
        // unmetered 11 - 1 = 10; reactive 0.05 -> 0.8333 -> 0.833; voltage (230 + 235.5) / 2 = 232.75; mean 0.33; peak 0.6.
        Assert.Equal(
            new QuarterFigures(new DateOnly(2007, 4, 1), 11.000m, 2, 3, 1, 0m, 0m, 1m, 10.000m, 0.833m, 232.750m, 0.330m, 0.600m,
                FirstMinuteOfQ2, FirstMinuteOfQ2.AddMinutes(2)),
            result.Quarter(2007, 4));
    }

    [Fact]
    public void Minutes_either_side_of_each_quarter_boundary_fall_in_their_own_quarter()
    {
        var aggregator = new QuarterlyAggregator();
        DateTime[] boundaries = [new(2008, 1, 1), new(2008, 4, 1), new(2008, 7, 1), new(2008, 10, 1), new(2009, 1, 1)];
        var offset = 0;
        foreach (var boundary in boundaries)
        {
            aggregator.Add(Complete(boundary.AddMinutes(-1), 0.06m), 0, offset++);
            aggregator.Add(Complete(boundary, 0.12m), 0, offset++);
        }

        var result = aggregator.Complete();

        // 2007Q4 holds only 2007-12-31 23:59; each 2008 quarter its first minute (0.12 kW) and its last minute (0.06 kW);
        // 2009Q1 only 2009-01-01 00:00.
        Assert.Equal(6, result.Quarters.Count);
        var q4 = result.Quarter(2007, 10);
        Assert.Equal((1L, 1.000m, new DateTime(2007, 12, 31, 23, 59, 0)), (q4.ReadingCount, q4.TotalEnergyWh, q4.LastReadingAt));
        foreach (var start in boundaries[..4])
        {
            var quarter = result.Quarter(start.Year, start.Month);
            Assert.Equal(2, quarter.ReadingCount);
            Assert.Equal(3.000m, quarter.TotalEnergyWh); // (0.12 + 0.06) * 1000 / 60
            Assert.Equal(start, quarter.FirstReadingAt);
            Assert.Equal(start.AddMonths(3).AddMinutes(-1), quarter.LastReadingAt);
        }

        var q2009 = result.Quarter(2009, 1);
        Assert.Equal((1L, 2.000m, new DateTime(2009, 1, 1)), (q2009.ReadingCount, q2009.TotalEnergyWh, q2009.FirstReadingAt));
    }

    [Fact]
    public void A_minute_whose_sub_meterings_exceed_its_energy_gives_negative_unmetered_energy_summed_as_is()
    {
        var aggregator = new QuarterlyAggregator();
        var at = new DateTime(2009, 5, 5, 12, 0, 0);
        aggregator.Add(Complete(at, 0.06m, s1: 2m), 0, 0);            // 1 Wh active, 2 Wh sub-metered: -1
        aggregator.Add(Complete(at.AddMinutes(1), 0.001m, s3: 1m), 0, 1); // 0.01666.. Wh active, 1 Wh sub-metered

        var quarter = aggregator.Complete().Quarter(2009, 4);

        // total = 1.01666.. -> 1.017; unmetered = 1.01666.. - 3 = -1.98333.. -> -1.983
        Assert.Equal(1.017m, quarter.TotalEnergyWh);
        Assert.Equal(-1.983m, quarter.UnmeteredEnergyWh);
    }

    [Fact]
    public void Averages_at_exactly_half_a_thousandth_round_away_from_zero()
    {
        var aggregator = new QuarterlyAggregator();
        var at = new DateTime(2010, 2, 2, 2, 2, 0);
        // Voltages 230.002 and 230.003: mean 230.0025 -> 230.003 (banker's rounding would give 230.002).
        aggregator.Add(Complete(at, 0.002m, voltage: 230.002m), 0, 0);
        aggregator.Add(Complete(at.AddMinutes(1), 0.003m, voltage: 230.003m), 0, 1);
        // 150.0025 -> 150.003 at the voltage band's lower bound.
        aggregator.Add(Complete(new DateTime(2010, 5, 1), 0.002m, voltage: 150.002m), 0, 2);
        aggregator.Add(Complete(new DateTime(2010, 5, 1, 0, 1, 0), 0.003m, voltage: 150.003m), 0, 3);

        var result = aggregator.Complete();
        var q1 = result.Quarter(2010, 1);
        Assert.Equal(230.003m, q1.AvgVoltageV);
        Assert.Equal(0.003m, q1.AvgGlobalActivePowerKw); // (0.002 + 0.003) / 2 = 0.0025 -> 0.003
        Assert.Equal(0.083m, q1.TotalEnergyWh);            // 0.005 * 1000 / 60 = 0.08333..
        Assert.Equal(150.003m, result.Quarter(2010, 4).AvgVoltageV);
    }

    [Fact]
    public void A_complete_reading_with_a_null_measure_skips_that_measure_only()
    {
        var aggregator = new QuarterlyAggregator();
        var at = new DateTime(2008, 8, 8, 8, 8, 0);
        aggregator.Add(new Messaging.EnergyReading(at, 0.6m, null, null, null, null, 1m, null), 0, 0);
        aggregator.Add(Complete(at.AddMinutes(1), 0.6m, voltage: 240m), 0, 1);
        // Active power null, other measures present: counts as missing, contributes nothing else.
        aggregator.Add(new Messaging.EnergyReading(at.AddMinutes(2), null, 0.5m, 250m, 1m, 9m, 9m, 9m), 0, 2);

        var quarter = aggregator.Complete().Quarter(2008, 7);

        Assert.Equal((2L, 3L, 1L), (quarter.RecordCount, quarter.ReadingCount, quarter.MissingCount));
        Assert.Equal(20.000m, quarter.TotalEnergyWh);
        Assert.Equal(240.000m, quarter.AvgVoltageV); // only the reading that has a voltage
        Assert.Equal((0m, 1m, 0m), (quarter.SubMetering1Wh, quarter.SubMetering2Wh, quarter.SubMetering3Wh));
        Assert.Equal(0m, quarter.ReactiveEnergyVarh);
    }

    [Fact]
    public void A_quarter_of_missing_readings_only_has_counts_and_no_averages()
    {
        var aggregator = new QuarterlyAggregator();
        aggregator.Add(Missing(new DateTime(2007, 1, 1)), 0, 0);

        var quarter = aggregator.Complete().Quarter(2007, 1);

        Assert.Equal((0L, 1L, 1L, 0m), (quarter.RecordCount, quarter.ReadingCount, quarter.MissingCount, quarter.TotalEnergyWh));
        Assert.Null(quarter.AvgVoltageV);
        Assert.Null(quarter.AvgGlobalActivePowerKw);
        Assert.Null(quarter.PeakGlobalActivePowerKw);
    }

    [Fact]
    public void Contract_breaking_messages_are_counted_with_their_position_and_the_rest_is_aggregated()
    {
        var aggregator = new QuarterlyAggregator();
        var at = new DateTime(2007, 6, 1, 12, 0, 0);
        aggregator.Add(Complete(at, 0.6m), 0, 0);
        var good = Value(Complete(at.AddMinutes(1), 0.6m));

        Assert.NotNull(aggregator.Add(1, 10, Key(at.AddMinutes(1)), "{not json"u8));
        Assert.NotNull(aggregator.Add(1, 11, Key(at.AddMinutes(1)), null));                                   // tombstone
        Assert.NotNull(aggregator.Add(1, 12, Key(at.AddMinutes(2)), good));                                   // key is another minute
        Assert.NotNull(aggregator.Add(1, 13, null, good));                                                    // no key
        Assert.NotNull(aggregator.Add(1, 14, Key(at.AddMinutes(1)), """{"timestamp":"2007-06-01T12:01:00","global_active_power":"1"}"""u8));
        var fourDecimals = Encoding.UTF8.GetString(good).Replace("0.6", "0.6001", StringComparison.Ordinal);
        Assert.NotNull(aggregator.Add(1, 15, Key(at.AddMinutes(1)), Encoding.UTF8.GetBytes(fourDecimals)));
        var withSeconds = Encoding.UTF8.GetString(Value(Complete(at.AddSeconds(30), 0.6m)));
        Assert.NotNull(aggregator.Add(1, 16, Encoding.UTF8.GetBytes(Messaging.RawEnergyTopic.FormatKey(at.AddSeconds(30))), Encoding.UTF8.GetBytes(withSeconds)));

        var result = aggregator.Complete();

        Assert.Equal(8, result.MessagesRead);
        Assert.Equal(7, result.Invalid);
        Assert.Equal(0, result.DuplicatesDropped);
        // Reason by reason, in the order of the rules.
        Assert.Equal([13L, 11, 10, 14, 16, 12, 15], result.InvalidSamples.Select(s => s.Offset));
        Assert.All(result.InvalidSamples, s => Assert.Equal(1, s.Partition));
        Assert.Equal(
            ["null_key", "tombstone", "not_a_flat_json_object", "missing_field", "timestamp_not_whole_minute", "key_mismatch", "measure_not_plain_decimal"],
            result.InvalidByReason.Select(r => r.Reason));
        Assert.All(result.InvalidByReason, r => Assert.Equal(1, r.Messages));
        var quarter = result.Quarter(2007, 4);
        Assert.Equal((1L, 10.000m), (quarter.ReadingCount, quarter.TotalEnergyWh));
    }
}
