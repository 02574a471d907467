using Confluent.Kafka;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Ingestor.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Ingestor;
using Microsoft.Extensions.Logging.Abstractions;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The embedded topic's size rests on one measured figure, the mock broker's stored bytes per reading
/// (<see cref="EmbeddedKafkaSizing.StoredBytesPerReading"/>). These tests ingest through the real producer and let the
/// mock's own retention tell: a partition over 5 MiB drops its oldest batches, visible as a low watermark above 0.
/// </summary>
[Collection(IngestorActivityCollection.Name)]
public sealed class EmbeddedKafkaSizingTests
{
    private const int Rows = 200_000;

    [Fact]
    public async Task A_topic_sized_by_the_rule_keeps_every_reading()
    {
        // The rule's partitions for this many rows without the fill margin: the measured figure itself must hold.
        var partitions = EmbeddedKafkaSizing.PartitionsFor(Rows, fillLimit: 1.0);
        var (low, high) = await IngestAsync(partitions);
        Assert.Equal(0, low);
        Assert.Equal(Rows, high);
    }

    /// <summary>Measures the figure: one partition, more data than it keeps; 5 MiB over the readings it kept.</summary>
    [Fact(Explicit = true)]
    public async Task Measure_stored_bytes_per_reading()
    {
        var (low, high) = await IngestAsync(partitions: 1);
        Assert.True(low > 0, "the partition kept everything: ingest more rows to measure");
        var kept = high - low;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"one partition kept {kept:N0} of {high:N0} readings: {EmbeddedKafkaSizing.PartitionRetentionBytes / (double)kept:F1} stored bytes per reading");
    }

    private static async Task<(long Low, long High)> IngestAsync(int partitions)
    {
        var path = Path.Combine(Path.GetTempPath(), $"energy-sizing-{Guid.NewGuid():N}.txt");
        SyntheticHouseholdFile.WriteFile(path, Rows);
        try
        {
            using var cluster = new MockKafkaCluster();
            cluster.CreatePipelineTopics(RawEnergyTopic.Name, partitions);
            var options = new IngestorOptions { Partitions = partitions };
            using (var producer = new ProducerBuilder<byte[], byte[]>(IngestorProducerConfig.Create(cluster.BootstrapServers, options)).SetLogHandler((_, _) => { }).Build())
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
            {
                var result = await new IngestionRunner(producer, admin, options, NullLogger<IngestionRunner>.Instance).RunAsync(path, TestContext.Current.CancellationToken);
                Assert.Null(result.Error);
            }

            using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "sizing" })
                .SetLogHandler((_, _) => { }).Build();
            long low = 0, high = 0;
            for (var p = 0; p < partitions; p++)
            {
                var w = consumer.QueryWatermarkOffsets(new TopicPartition(RawEnergyTopic.Name, p), TimeSpan.FromSeconds(10));
                low += w.Low.Value;
                high += w.High.Value;
            }

            consumer.Close();
            return (low, high);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
