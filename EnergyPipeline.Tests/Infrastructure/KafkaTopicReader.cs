using System.Diagnostics;
using Confluent.Kafka;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// Reads a whole topic back for assertions: every partition assigned from the beginning (no group join, so no
/// 3 s rebalance wait on the mock cluster), until the high watermarks captured at start are reached.
/// </summary>
public static class KafkaTopicReader
{
    public static List<ConsumeResult<byte[], byte[]>> ReadAll(string bootstrapServers, string topic, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"test-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).SetLogHandler((_, _) => { }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => p.PartitionId).ToList();
        var ends = partitions.ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);

        var results = new List<ConsumeResult<byte[], byte[]>>();
        var pending = ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        consumer.Assign(pending.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var clock = Stopwatch.StartNew();
        while (pending.Count > 0 && clock.Elapsed < timeout)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null)
            {
                continue;
            }

            if (!result.IsPartitionEOF)
            {
                results.Add(result);
            }

            if (result.Offset.Value + (result.IsPartitionEOF ? 0 : 1) >= ends[result.Partition.Value])
            {
                pending.Remove(result.Partition.Value);
            }
        }

        consumer.Close();
        return pending.Count == 0
            ? results
            : throw new TimeoutException($"Partitions {string.Join(",", pending)} of {topic} were not read to their end within {timeout}.");
    }
}
