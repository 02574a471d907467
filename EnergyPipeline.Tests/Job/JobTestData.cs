using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;

namespace EnergyPipeline.Tests.Job;

/// <summary>Builds messages the way the ingestor does: key = the minute, value = the contract's JSON writer.</summary>
internal static class JobTestData
{
    public static byte[] Key(DateTime minute) => Encoding.UTF8.GetBytes(RawEnergyTopic.FormatKey(minute));

    public static byte[] Value(EnergyReading reading) => EnergyReadingJson.Serialize(reading);

    public static EnergyReading Complete(
        DateTime at, decimal gap, decimal grp = 0m, decimal voltage = 240m, decimal intensity = 1m,
        decimal s1 = 0m, decimal s2 = 0m, decimal s3 = 0m) =>
        new(at, gap, grp, voltage, intensity, s1, s2, s3);

    public static EnergyReading Missing(DateTime at) => new(at, null, null, null, null, null, null, null);

    /// <summary>Adds a reading as message (partition, offset).</summary>
    public static void Add(this QuarterlyAggregator aggregator, EnergyReading reading, int partition, long offset) =>
        Assert.Null(aggregator.Add(partition, offset, Key(reading.Timestamp), Value(reading)));

    /// <summary>Figures of one quarter (2007Q1), for runs that need something published before.</summary>
    public static QuarterFigures Quarter2007() => new(
        new DateOnly(2007, 1, 1), 10m, 5, 6, 1, 1m, 2m, 3m, 4m, 0.5m, 240m, 1.2m, 2.5m, new DateTime(2007, 1, 1), new DateTime(2007, 3, 31, 23, 59, 0));

    /// <summary>A completion record written by hand: per partition, its offset runs as (first, last); rows sent as the runs hold.</summary>
    public static IngestionCompletion Completion(string runId, params (int Partition, (long First, long Last)[] Runs)[] partitions)
    {
        var runs = partitions.Select(p => new PartitionOffsetRuns(p.Partition, p.Runs.Select(r => new OffsetRun(r.First, r.Last)).ToList())).ToList();
        return new IngestionCompletion(runId, "sha", runs.Sum(r => r.Messages), null, null, runs, null, DateTimeOffset.UnixEpoch);
    }

    public static QuarterFigures Quarter(this AggregationResult result, int year, int month) =>
        Assert.Single(result.Quarters, q => q.Quarter == new DateOnly(year, month, 1));
}
