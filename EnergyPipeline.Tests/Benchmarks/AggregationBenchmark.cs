using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;

namespace EnergyPipeline.Tests.Benchmarks;

/// <summary>
/// Times the aggregation of the synthetic full data set (messages serialised with the contract's writer, then
/// parsed, de-duplicated and aggregated) and the write (COPY into staging + publish) of its quarters to a real
/// PostgreSQL. The generation's own CPU is measured in a first pass without aggregation and subtracted. Explicit:
/// <c>dotnet test --project EnergyPipeline.Tests -c Release -- --filter-class "*AggregationBenchmark" --explicit only</c>;
/// the figures go to the test output and to <c>$TMPDIR/energy-aggregation-benchmark.txt</c>.
/// </summary>
public sealed class AggregationBenchmark(PostgresServerFixture postgres)
{
    [Fact(Explicit = true)]
    public async Task Aggregate_and_write_the_full_synthetic_data_set()
    {
        var count = SyntheticReadings.FullCount;
        var generateOnly = Measure(() => Feed(count, null));
        var parseOnly = Measure(() => Feed(count, null, parseOnly: true));
        var aggregator = new QuarterlyAggregator();
        AggregationResult? result = null;
        var full = Measure(() =>
        {
            Feed(count, aggregator);
            result = aggregator.Complete();
        });
        var complete = Measure(() => aggregator.Complete());
        var aggregationCpu = full.Cpu - generateOnly.Cpu;

        Report(string.Create(CultureInfo.InvariantCulture,
            $"readings={count} quarters={result!.Quarters.Count} generate_cpu_s={generateOnly.Cpu.TotalSeconds:F3} " +
            $"contract_parse_only_cpu_s={(parseOnly.Cpu - generateOnly.Cpu).TotalSeconds:F3} " +
            $"generate_and_aggregate_cpu_s={full.Cpu.TotalSeconds:F3} aggregation_cpu_s={aggregationCpu.TotalSeconds:F3} " +
            $"aggregation_readings_per_cpu_s={count / aggregationCpu.TotalSeconds:F0} complete_cpu_s={complete.Cpu.TotalSeconds:F3} " +
            $"wall_s={full.Wall.TotalSeconds:F3} peak_working_set_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0}"));
        Assert.Equal(IndependentFigures.Of(SyntheticReadings.Generate(count)), result.Quarters);

        await WriteQuarters(result.Quarters);
    }

    private async Task WriteQuarters(IReadOnlyList<QuarterFigures> quarters)
    {
        await using var db = await JobDatabase.CreateAsync(postgres, "bench");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        var store = db.Store;
        var timings = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var run = new JobRun(Guid.NewGuid(), RawEnergyTopic.Name, DateTimeOffset.UtcNow);
            var started = Stopwatch.GetTimestamp();
            await using var lease = await store.StartRunAsync(run, "bench", CancellationToken.None);
            await store.WriteStagingAsync(run.RunId, quarters, CancellationToken.None);
            await store.PublishAsync(run.RunId, new EngineResult([], 0, 0, 0) { Evidence = CompletenessEvidence.None }, CancellationToken.None);
            timings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        Report(string.Create(CultureInfo.InvariantCulture,
            $"write quarters={quarters.Count} runs=5 ms(start+copy+publish)={string.Join(',', timings.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))}"));
        Assert.Equal(quarters.Count, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_data"));
    }

    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "energy-aggregation-benchmark.txt"), line + Environment.NewLine);
    }

    private static void Feed(int count, QuarterlyAggregator? aggregator, bool parseOnly = false)
    {
        var value = new ArrayBufferWriter<byte>(256);
        var key = new byte[32];
        long offset = 0;
        foreach (var reading in SyntheticReadings.Generate(count))
        {
            value.ResetWrittenCount();
            EnergyReadingJson.Write(value, reading);
            var keyLength = Encoding.UTF8.GetBytes(RawEnergyTopic.FormatKey(reading.Timestamp), key);
            if (parseOnly)
            {
                EnergyReadingJson.TryParse(value.WrittenSpan, out _, out _);
            }

            aggregator?.Add((int)(offset % RawEnergyTopic.DefaultPartitions), offset, key.AsSpan(0, keyLength), value.WrittenSpan);
            offset++;
        }
    }

    private static (TimeSpan Cpu, TimeSpan Wall) Measure(Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.GetTimestamp();
        action();
        process.Refresh();
        return (process.TotalProcessorTime - cpu, Stopwatch.GetElapsedTime(wall));
    }
}
