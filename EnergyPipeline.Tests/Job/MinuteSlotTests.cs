using System.Runtime.CompilerServices;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The aggregator's memory per minute: a 32-byte slot (measures in 3 bytes each, offset and partition in one word)
/// in day pages found by array index. Each packing keeps every figure exact, whatever order days and copies come in.
/// </summary>
public sealed class MinuteSlotTests
{
    [Fact]
    public void A_minute_takes_32_bytes()
    {
        Assert.Equal(32, Unsafe.SizeOf<QuarterlyAggregator.MinuteSlot>());
    }

    [Fact]
    public void The_packed_measures_hold_every_value_the_validity_bounds_allow()
    {
        Assert.True(QuarterlyAggregator.PackedMeasures.HoldEveryValidValue);
        Assert.All(ReadingValidity.Measures, m => Assert.InRange(m.Maximum * 1000, 0, QuarterlyAggregator.PackedMeasures.MaxValue));
    }

    [Fact]
    public void Readings_at_the_bounds_of_every_measure_give_exact_figures()
    {
        var bounds = ReadingValidity.Measures;
        var at = new DateTime(2008, 5, 1, 0, 0, 0);
        EnergyReading Reading(int minute, Func<MeasureBounds, decimal> pick) => new(
            at.AddMinutes(minute), pick(bounds[0]), pick(bounds[1]), pick(bounds[2]), pick(bounds[3]), pick(bounds[4]), pick(bounds[5]), pick(bounds[6]));
        var readings = new[]
        {
            Reading(0, b => b.Maximum),
            Reading(1, b => b.Minimum),
            Reading(2, b => b.Maximum - 0.001m),
            Reading(3, b => b.Minimum + 0.001m),
        };

        var aggregator = new QuarterlyAggregator();
        foreach (var (reading, offset) in readings.Select((r, i) => (r, (long)i)))
        {
            aggregator.Add(reading, partition: 0, offset);
        }

        Assert.Equal(IndependentFigures.Of(readings), aggregator.Complete().Quarters);
    }

    [Fact]
    public void Days_arriving_backwards_and_far_apart_give_the_figures_of_their_readings()
    {
        // Descending days widen the day table towards the past, the first and last valid days stretch it both ways;
        // the order is then shuffled so days land before, inside and after the table.
        var random = new Random(31);
        var days = Enumerable.Range(0, 400).Select(d => new DateTime(2010, 11, 26).AddDays(-3 * d))
            .Concat([ReadingValidity.FirstValidMinute, ReadingValidity.EndOfValidRange.AddDays(-1), new DateTime(1999, 12, 31), new DateTime(2000, 1, 1)])
            .ToList();
        var readings = days.SelectMany(day => new[] { 0, 719, 1439 }.Select(minute =>
            Complete(day.AddMinutes(minute), gap: random.Next(1, 9000) / 1000m, voltage: 230m + random.Next(0, 9000) / 1000m, s3: random.Next(0, 20)))).ToList();

        foreach (var order in new[] { readings.AsEnumerable(), readings.OrderBy(_ => random.Next()) })
        {
            var aggregator = new QuarterlyAggregator();
            var offset = 0L;
            foreach (var reading in order)
            {
                aggregator.Add(reading, partition: 1, offset++);
            }

            Assert.Equal(IndependentFigures.Of(readings), aggregator.Complete().Quarters);
        }
    }

    [Fact]
    public void Offsets_and_partitions_at_the_slot_limits_keep_the_newest_copy()
    {
        var minute = new DateTime(2007, 6, 1, 12, 0, 0);
        var older = Complete(minute, gap: 1m);
        var newer = Complete(minute, gap: 2m);
        const long Last = QuarterlyAggregator.MinuteSlot.MaxOffset;
        const int Highest = QuarterlyAggregator.MinuteSlot.MaxPartition;

        var byOffset = new QuarterlyAggregator();
        byOffset.Add(newer, partition: 0, Last);
        byOffset.Add(older, partition: Highest, Last - 1);
        var byPartition = new QuarterlyAggregator();
        byPartition.Add(newer, partition: Highest, Last);
        byPartition.Add(older, partition: Highest - 1, Last);

        Assert.Equal(IndependentFigures.Of([newer]), byOffset.Complete().Quarters);
        Assert.Equal(IndependentFigures.Of([newer]), byPartition.Complete().Quarters);
    }

    [Theory]
    [InlineData(0, QuarterlyAggregator.MinuteSlot.MaxOffset + 1)]
    [InlineData(QuarterlyAggregator.MinuteSlot.MaxPartition + 1, 0L)]
    public void A_position_beyond_the_slot_fails_and_names_itself(int partition, long offset)
    {
        var reading = Complete(new DateTime(2007, 6, 1, 12, 0, 0), gap: 1m);

        var error = Assert.Throws<InvalidOperationException>(() => new QuarterlyAggregator().Add(partition, offset, Key(reading.Timestamp), Value(reading)));

        Assert.Contains($"Partition {partition} offset {offset}", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was published", error.Message, StringComparison.Ordinal);
    }
}
