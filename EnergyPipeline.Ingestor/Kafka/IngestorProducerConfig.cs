using Aspire.Confluent.Kafka;
using Confluent.Kafka;
using EnergyPipeline.Ingestor.Configuration;

namespace EnergyPipeline.Ingestor.Kafka;

/// <summary>
/// The producer's librdkafka settings: idempotent, acks=all, lz4, batching for throughput. Values given in
/// configuration (<c>Aspire:Confluent:Kafka:Producer:Config</c>) win over these defaults.
/// </summary>
public static class IngestorProducerConfig
{
    public static IReadOnlyDictionary<string, string> Defaults(IngestorOptions options) => new Dictionary<string, string>
    {
        ["client.id"] = "energy-ingestor",
        ["enable.idempotence"] = "true",
        ["acks"] = "all",
        ["compression.type"] = "lz4",
        ["linger.ms"] = "50",
        ["batch.num.messages"] = "100000",
        // 1 MB uncompressed per batch: larger batches risk passing a broker's default message.max.bytes.
        ["batch.size"] = "1000000",
        // The queue bounds the producer's native memory; parsing, not the broker, sets the pace, so 32 MiB
        // keeps every partition's batch filling (BENCHMARKS.md, Kafka ratios: 256 MiB bought no speed).
        ["queue.buffering.max.messages"] = "100000",
        ["queue.buffering.max.kbytes"] = "32768",
        // Delivery reports need the key (for the error message), the timestamp (latency) and the status only:
        // not copying value and headers back into .NET for two million reports saves a lot of time.
        ["dotnet.producer.delivery.report.fields"] = "key,timestamp,status",
        // Delivery reports served on the producing thread (KafkaReadingPublisher polls), not on a background thread:
        // librdkafka then frees each message on the thread that allocated it, where glibc's per-thread cache
        // recycles the memory; freed on another thread, malloc and free took a quarter of the run's CPU time.
        ["dotnet.producer.enable.background.poll"] = "false",
        ["message.timeout.ms"] = options.MessageTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The defaults under a registration's settings: a value configuration already gave wins. The ingestor's producer
    /// registration and the produce floor (Benchmarks/Floor/KafkaFloor.cs) both apply it.
    /// </summary>
    public static void ApplyTo(KafkaProducerSettings settings, IngestorOptions options)
    {
        foreach (var (key, value) in Defaults(options))
        {
            if (settings.Config.Get(key) is null)
            {
                settings.Config.Set(key, value);
            }
        }
    }

    public static ProducerConfig Create(string bootstrapServers, IngestorOptions options, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var settings = new Dictionary<string, string>(Defaults(options));
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return new ProducerConfig(settings) { BootstrapServers = bootstrapServers };
    }
}
