using Confluent.Kafka;
using EnergyPipeline.ServiceDefaults.Kafka;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob.Kafka;

/// <summary>Captures a <see cref="TopicSnapshot"/> with a consumer of its own (the Spark engine's part on the job's side).</summary>
public sealed class SnapshotSource(string bootstrapServers, TimeSpan readStallTimeout, ILogger<SnapshotSource> logger)
{
    public TopicSnapshot Capture(string topic, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "energy-job-snapshot", ClientId = "energy-job-snapshot" };
        SnapshotReader.ConsumerSettings(config);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler(KafkaClientRegistration.LogTo(logger)).Build();
        try
        {
            return new SnapshotReader(consumer, bootstrapServers, readStallTimeout).Capture(topic, cancellationToken);
        }
        finally
        {
            consumer.Close();
        }
    }
}
