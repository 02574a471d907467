using System.Diagnostics;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Benchmarks;
using EnergyPipeline.Tests.Infrastructure;
using static EnergyPipeline.Tests.Job.JobTestData;
using EnergyReading = EnergyPipeline.Messaging.EnergyReading;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The whole minute grid of the data set (2,075,259 readings, with missing runs and re-ingested copies) through the
/// aggregation and the writer, checked against DESIGN section 2's row counts and against sums computed here in plain
/// decimal arithmetic, a different path from the job's integer thousandths.
/// </summary>
public sealed class FullDataSetTests(PostgresServerFixture server, ITestOutputHelper output)
{
    /// <summary>Rows per quarter of the real file, missing ones included (DESIGN section 2).</summary>
    private static readonly long[] DesignRowsPerQuarter =
    [
        21_996, 129_600, 131_040, 132_480, 132_480, 131_040, 131_040, 132_480, 132_480,
        129_600, 131_040, 132_480, 132_480, 129_600, 131_040, 132_480, 81_903,
    ];

    [Fact]
    public async Task The_full_grid_with_re_ingested_copies_gives_17_quarters_equal_to_an_independent_decimal_computation()
    {
        var clock = Stopwatch.StartNew();
        var aggregator = new QuarterlyAggregator();
        var expected = new SortedDictionary<DateOnly, DecimalQuarter>();
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

            if (!expected.TryGetValue(QuarterStart(reading.Timestamp), out var quarter))
            {
                expected[QuarterStart(reading.Timestamp)] = quarter = new DecimalQuarter();
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
        Assert.Equal(DesignRowsPerQuarter, result.Quarters.Select(q => q.ReadingCount));
        Assert.Equal(expected.Keys, result.Quarters.Select(q => q.Quarter));
        var expectedFigures = expected.Select(e => e.Value.ToFigures(e.Key)).ToList();
        Assert.Equal(expectedFigures, result.Quarters);
        Assert.True(result.Quarters.Sum(q => q.MissingCount) > 10_000, "the grid should have runs of missing minutes");
        Assert.Contains(result.Quarters, q => q.UnmeteredEnergyWh != q.TotalEnergyWh - q.SubMetering1Wh - q.SubMetering2Wh - q.SubMetering3Wh
            || q.TotalEnergyWh != decimal.Round(q.TotalEnergyWh, 2));

        await using var db = await JobDatabase.CreateAsync(server, "full");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);
        var run = new SparkJob.Engine.JobRun(Guid.NewGuid(), RawEnergyTopic.Name, DateTimeOffset.UtcNow);
        await db.Store.StartRunAsync(run, "test", TestContext.Current.CancellationToken);
        await db.Store.WriteStagingAsync(run.RunId, result.Quarters, TestContext.Current.CancellationToken);
        var written = await db.Store.PublishAsync(run.RunId,
            new SparkJob.Engine.EngineResult([], result.MessagesRead, result.DuplicatesDropped, result.Invalid), TestContext.Current.CancellationToken);

        Assert.Equal(17, written);
        Assert.Equal(expectedFigures.Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
        Assert.Equal(SyntheticReadings.FullCount, await db.ScalarAsync("SELECT sum(reading_count) FROM quarterly_energy_data"));
        output.WriteLine($"written to PostgreSQL after {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static DateOnly QuarterStart(DateTime t) => t.Month switch
    {
        <= 3 => new DateOnly(t.Year, 1, 1),
        <= 6 => new DateOnly(t.Year, 4, 1),
        <= 9 => new DateOnly(t.Year, 7, 1),
        _ => new DateOnly(t.Year, 10, 1),
    };

    /// <summary>The figures of DESIGN section 4 in plain decimal arithmetic, rounded with Math.Round at the end.</summary>
    private sealed class DecimalQuarter
    {
        private decimal _voltage;
        private long _voltages;
        private long _readings;
        private long _complete;
        private decimal _active, _reactive, _s1, _s2, _s3;
        private decimal? _peak;
        private DateTime _first = DateTime.MaxValue, _last = DateTime.MinValue;

        public void Add(EnergyReading r)
        {
            _readings++;
            _first = r.Timestamp < _first ? r.Timestamp : _first;
            _last = r.Timestamp > _last ? r.Timestamp : _last;
            if (r.GlobalActivePower is not { } active)
            {
                return;
            }

            _complete++;
            _active += active;
            _peak = _peak is null || active > _peak ? active : _peak;
            _reactive += r.GlobalReactivePower ?? 0m;
            _s1 += r.SubMetering1 ?? 0m;
            _s2 += r.SubMetering2 ?? 0m;
            _s3 += r.SubMetering3 ?? 0m;
            if (r.Voltage is { } v)
            {
                _voltage += v;
                _voltages++;
            }
        }

        public QuarterFigures ToFigures(DateOnly quarter)
        {
            static decimal Round(decimal x) => Math.Round(x, 3, MidpointRounding.AwayFromZero);
            var energy = _active * 1000m / 60m;
            return new QuarterFigures(quarter, Round(energy), _complete, _readings, _readings - _complete, _s1, _s2, _s3,
                Round(energy - _s1 - _s2 - _s3), Round(_reactive * 1000m / 60m),
                _voltages == 0 ? null : Round(_voltage / _voltages),
                _complete == 0 ? null : Round(_active / _complete), _peak, _first, _last);
        }
    }
}
