using Confluent.Kafka;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Ingestor.Kafka;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>
/// Produce throughput against the mock cluster (BENCHMARKS.md). Explicit: run with
/// <c>dotnet test --project EnergyPipeline.Tests -c Release -- --filter-method "*Produce_200k_rows_to_24_partitions" --explicit only</c>.
/// Partitions are sized so no partition passes the mock's 5 MiB cap, and the count read back is asserted.
/// </summary>
[Collection(IngestorActivityCollection.Name)]
public sealed class ProduceThroughputBenchmark
{
    [Fact(Explicit = true)]
    public Task Produce_200k_rows_to_24_partitions() => Produce(200_000, 24);

    [Fact(Explicit = true)]
    public Task Produce_the_full_file_to_96_partitions() => Produce(2_075_259, 96);

    private static async Task Produce(int rows, int partitions)
    {
        var path = Path.Combine(Path.GetTempPath(), $"energy-bench-{rows}.txt");
        SyntheticHouseholdFile.WriteFile(path, rows);
        try
        {
            using var cluster = new MockKafkaCluster();
            cluster.CreatePipelineTopics("raw_energy", partitions);
            var options = new IngestorOptions { Partitions = partitions };
            IngestionResult result;
            using (var producer = new ProducerBuilder<byte[], byte[]>(IngestorProducerConfig.Create(cluster.BootstrapServers, options)).SetLogHandler((_, _) => { }).Build())
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
            {
                result = await new IngestionRunner(producer, admin, options, NullLogger<IngestionRunner>.Instance).RunAsync(path, TestContext.Current.CancellationToken);
            }

            Assert.Null(result.Error);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var readBack = KafkaTopicReader.ReadAll(cluster.BootstrapServers, "raw_energy", TimeSpan.FromMinutes(3)).Count;
            var line = $"produce {rows:N0} rows to {partitions} partitions: {result.Elapsed.TotalSeconds:F2} s " +
                $"({rows / result.Elapsed.TotalSeconds:N0} rows/s, SHA-256 pass included); read back {readBack:N0} in {clock.Elapsed.TotalSeconds:F2} s; " +
                $"test process peak working set {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB (mock broker included)";
            TestContext.Current.TestOutputHelper?.WriteLine(line);
            await File.AppendAllTextAsync(Path.Combine(Path.GetTempPath(), "energy-produce-benchmark.txt"), line + Environment.NewLine, TestContext.Current.CancellationToken);
            Assert.Equal(rows, result.Sent);
            Assert.Equal(rows, readBack);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
