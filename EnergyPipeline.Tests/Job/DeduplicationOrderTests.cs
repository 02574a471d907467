using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// De-duplication never depends on the order in which copies arrive: the highest offset wins, and at equal offsets
/// (copies in two partitions) the higher partition. Each minute's copies carry distinct power values, so the kept copy
/// is visible in the quarter's sum and peak.
/// </summary>
public sealed class DeduplicationOrderTests
{
    private static readonly DateTime Minute = new(2009, 8, 14, 6, 30, 0);

    public static TheoryData<int[]> ArrivalOrders => new(Permutations([0, 1, 2]).Select(p => p.ToArray()));

    [Theory]
    [MemberData(nameof(ArrivalOrders))]
    public void The_highest_offset_wins_in_every_arrival_order(int[] order)
    {
        // Three copies of one minute in one partition, offsets 3, 8 and 20; the last one written (offset 20) holds 2.5 kW.
        (long Offset, decimal Power)[] copies = [(3, 0.7m), (8, 1.1m), (20, 2.5m)];
        var aggregator = new QuarterlyAggregator();
        foreach (var index in order)
        {
            aggregator.Add(Complete(Minute, copies[index].Power), partition: 4, offset: copies[index].Offset);
        }

        var result = aggregator.Complete();

        Assert.Equal(2, result.DuplicatesDropped);
        var quarter = result.Quarter(2009, 7);
        Assert.Equal((1L, 2.5m, 2.5m), (quarter.RecordCount, quarter.PeakGlobalActivePowerKw, quarter.AvgGlobalActivePowerKw));
        Assert.Equal(41.667m, quarter.TotalEnergyWh); // 2.5 * 1000 / 60 = 41.6666...
    }

    [Fact]
    public void An_older_copy_arriving_last_never_replaces_a_newer_one_whatever_the_partition()
    {
        var aggregator = new QuarterlyAggregator();
        // Newer copy (offset 50) read first from partition 0; older copies read later, one from a higher partition.
        aggregator.Add(Complete(Minute, 3.0m), partition: 0, offset: 50);
        aggregator.Add(Complete(Minute, 0.3m), partition: 0, offset: 49);
        aggregator.Add(Complete(Minute, 0.6m), partition: 5, offset: 2);

        var quarter = aggregator.Complete().Quarter(2009, 7);

        Assert.Equal(3.0m, quarter.PeakGlobalActivePowerKw);
        Assert.Equal(50.000m, quarter.TotalEnergyWh);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void At_equal_offsets_the_higher_partition_wins_in_both_arrival_orders(bool higherPartitionFirst)
    {
        var low = (Partition: 1, Reading: Complete(Minute, 1.2m, voltage: 230m));
        var high = (Partition: 3, Reading: Complete(Minute, 0.6m, voltage: 250m));
        var aggregator = new QuarterlyAggregator();
        foreach (var (partition, reading) in higherPartitionFirst ? new[] { high, low } : [low, high])
        {
            aggregator.Add(reading, partition, offset: 7);
        }

        var result = aggregator.Complete();

        Assert.Equal(1, result.DuplicatesDropped);
        var quarter = result.Quarter(2009, 7);
        Assert.Equal((0.6m, 250m, 10m), (quarter.PeakGlobalActivePowerKw, quarter.AvgVoltageV, quarter.TotalEnergyWh));
    }

    [Fact]
    public void Many_minutes_with_copies_shuffled_give_the_figures_of_their_winning_copies()
    {
        // 300 minutes, each with 1-4 copies spread over partitions and offsets; every arrival order is random.
        var random = new Random(15);
        var messages = new List<(int Partition, long Offset, EnergyReading Reading)>();
        for (var m = 0; m < 300; m++)
        {
            var at = new DateTime(2007, 3, 31, 20, 0, 0).AddMinutes(m * 3);
            var copies = random.Next(1, 5);
            // Distinct (partition, offset) per copy; equal offsets in two partitions do occur.
            var positions = new HashSet<(int, long)>();
            while (positions.Count < copies)
            {
                positions.Add((random.Next(0, 6), random.Next(0, 8)));
            }

            foreach (var (partition, offset) in positions)
            {
                var power = random.Next(1, 9000) / 1000m;
                messages.Add((partition, offset, Complete(at, power, voltage: 220m + random.Next(0, 40_000) / 1000m)));
            }
        }

        var aggregator = new QuarterlyAggregator();
        foreach (var (partition, offset, reading) in messages.OrderBy(_ => random.Next()))
        {
            aggregator.Add(reading, partition, offset);
        }

        var winners = messages.GroupBy(m => m.Reading.Timestamp)
            .Select(g => g.OrderByDescending(m => m.Offset).ThenByDescending(m => m.Partition).First().Reading);
        Assert.Equal(IndependentFigures.Of(winners), aggregator.Complete().Quarters);
    }

    private static IEnumerable<IEnumerable<int>> Permutations(int[] items) => items.Length <= 1
        ? [items]
        : items.SelectMany(item => Permutations(items.Where(i => i != item).ToArray()).Select(rest => rest.Prepend(item)));
}
