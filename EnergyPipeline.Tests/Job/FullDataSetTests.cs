using System.Diagnostics;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.Tests.Infrastructure;
using static EnergyPipeline.Tests.Job.JobTestData;
using EnergyReading = EnergyPipeline.Messaging.EnergyReading;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The whole minute grid of the data set (2,075,259 readings, with missing runs and re-ingested copies) through the
/// aggregation and the writer, checked against the real file's row counts (docs/contract.md, *The input file*) and against sums computed here in plain
/// decimal arithmetic, a different path from the job's integer thousandths.
/// </summary>
public sealed class FullDataSetTests(PostgresServerFixture server, ITestOutputHelper output)
{
    /// <summary>Rows per quarter of the real file, missing ones included (docs/contract.md, *The input file*).</summary>
    private static readonly long[] KnownRowsPerQuarter =
    [
        21_996, 129_600, 131_040, 132_480, 132_480, 131_040, 131_040, 132_480, 132_480,
        129_600, 131_040, 132_480, 132_480, 129_600, 131_040, 132_480, 81_903,
    ];

    [Fact]
    public async Task The_full_grid_with_re_ingested_copies_gives_17_quarters_equal_to_an_independent_decimal_computation()
    {
        var clock = Stopwatch.StartNew();
        var aggregator = new QuarterlyAggregator();
        var expected = new SortedDictionary<DateOnly, IndependentFigures.DecimalQuarter>();
        var offsets = new long[RawEnergyTopic.DefaultPartitions];
        var value = new System.Buffers.ArrayBufferWriter<byte>(256);
        var key = new byte[19];
        void Feed(EnergyReading reading, int partition)
        {
            value.ResetWrittenCount();
            EnergyReadingJson.Write(value, reading);
            System.Text.Encoding.UTF8.GetBytes(RawEnergyTopic.FormatKey(reading.Timestamp), key);
            Assert.Null(aggregator.Add(partition, offsets[partition]++, key, value.WrittenSpan));
        }

        long messages = 0, copies = 0, index = 0;

        foreach (var reading in SyntheticReadings.Generate())
        {
            var partition = (int)(index % offsets.Length);
            if (index % 10 == 3)
            {
                // An older copy of the minute with other values: the later offset must win.
                var older = reading.IsComplete ? Missing(reading.Timestamp) : Complete(reading.Timestamp, 9.999m, s1: 88m);
                Feed(older, partition);
                messages++;
                copies++;
            }

            Feed(reading, partition);
            messages++;
            if (index % 50 == 0)
            {
                // The same reading ingested again.
                Feed(reading, partition);
                messages++;
                copies++;
            }

            if (!expected.TryGetValue(IndependentFigures.QuarterStart(reading.Timestamp), out var quarter))
            {
                expected[IndependentFigures.QuarterStart(reading.Timestamp)] = quarter = new IndependentFigures.DecimalQuarter();
            }

            quarter.Add(reading);
            index++;
        }

        var result = aggregator.Complete();
        output.WriteLine($"{messages} messages aggregated in {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(SyntheticReadings.FullCount, index);
        Assert.Equal(messages, result.MessagesRead);
        Assert.Equal(copies, result.DuplicatesDropped);
        Assert.Equal(0, result.Invalid);
        Assert.Equal(KnownRowsPerQuarter, result.Quarters.Select(q => q.ReadingCount));
        Assert.Equal(expected.Keys, result.Quarters.Select(q => q.Quarter));
        var expectedFigures = expected.Select(e => e.Value.ToFigures(e.Key)).ToList();
        Assert.Equal(expectedFigures, result.Quarters);
        Assert.True(result.Quarters.Sum(q => q.MissingCount) > 10_000, "the grid should have runs of missing minutes");
        Assert.Contains(result.Quarters, q => q.UnmeteredEnergyWh != q.TotalEnergyWh - q.SubMetering1Wh - q.SubMetering2Wh - q.SubMetering3Wh
            || q.TotalEnergyWh != decimal.Round(q.TotalEnergyWh, 2));

        await using var db = await JobDatabase.CreateAsync(server, "full");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);
        var run = new SparkJob.Runs.JobRun(Guid.NewGuid(), RawEnergyTopic.Name, DateTimeOffset.UtcNow);
        await using var lease = await db.Store.StartRunAsync(run, "test", TestContext.Current.CancellationToken);
        await db.Store.WriteStagingAsync(run.RunId, result.Quarters, TestContext.Current.CancellationToken);
        var written = await db.Store.PublishAsync(run.RunId,
            new SparkJob.Runs.EngineResult([], result.MessagesRead, result.DuplicatesDropped, result.Invalid) { Evidence = SparkJob.Runs.CompletenessEvidence.None }, TestContext.Current.CancellationToken);

        Assert.Equal(17, written);
        Assert.Equal(expectedFigures.Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
        Assert.Equal(SyntheticReadings.FullCount, await db.ScalarAsync("SELECT sum(reading_count) FROM quarterly_energy_data"));
        output.WriteLine($"written to PostgreSQL after {clock.Elapsed.TotalSeconds:F1} s");
    }
}
