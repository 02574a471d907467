using Confluent.Kafka;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// The prefetch bounds every registered consumer starts from; configuration and code settings win. librdkafka's own
/// defaults let a consumer queue 64 MiB (<c>queued.max.messages.kbytes</c>, at least 100,000 messages per partition by
/// <c>queued.min.messages</c>) and ask for 50 MiB per fetch (<c>fetch.max.bytes</c>). The consumers here work each message
/// slower than the broker serves it (BENCHMARKS.md, Kafka ratios), so a deeper prefetch buys no speed, only resident memory.
/// A full queue pauses a partition's fetching for <c>fetch.queue.backoff.ms</c> (1000 ms by default): with the smaller
/// queue that pause is hit all the time and tripled the local engine's read time, so it is 2 ms here, less than the
/// local engine takes to work through the 5,000 queued messages. Each queued message keeps its decompressed batch
/// alive: 5,000 messages instead of 20,000 took 11-13 MB off the job's peak at 6 and 128 partitions, the read no slower.
/// </summary>
/// <remarks>
/// Both bounds hold for all partitions together, not per partition: before each fetch librdkafka compares
/// <c>queued.min.messages</c> and <c>queued.max.messages.kbytes</c> with the length and size of the partition's fetch
/// queue (<c>rd_kafka_toppar_fetch_decide</c>, src/rdkafka_fetcher.c), and those follow the queue's forward to the
/// consumer's single queue (<c>rd_kafka_q_len</c>, <c>rd_kafka_q_size</c>, src/rdkafka_queue.h). One fetch response
/// may add up to <c>fetch.max.bytes</c> on top, whatever the partition count.
/// </remarks>
public static class KafkaConsumerPrefetch
{
    public const int QueuedMaxMessagesKbytes = 8 * 1024;
    public const int QueuedMinMessages = 5_000;
    public const int FetchMaxBytes = 8 * 1024 * 1024;
    public const int FetchQueueBackoffMs = 2;

    public static void ApplyDefaults(ConsumerConfig config)
    {
        config.QueuedMaxMessagesKbytes = QueuedMaxMessagesKbytes;
        config.QueuedMinMessages = QueuedMinMessages;
        config.FetchMaxBytes = FetchMaxBytes;
        config.Set("fetch.queue.backoff.ms", FetchQueueBackoffMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
