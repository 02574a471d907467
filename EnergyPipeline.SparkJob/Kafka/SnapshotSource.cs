using EnergyPipeline.ServiceDefaults.Kafka;

namespace EnergyPipeline.SparkJob.Kafka;

/// <summary>
/// Captures a <see cref="TopicSnapshot"/> with a consumer of the registration (the Spark engine's part on the job's
/// side: Spark then reads exactly that snapshot).
/// </summary>
public sealed class SnapshotSource(KafkaConsumerFactory<byte[]?, byte[]?> consumers, string bootstrapServers, TimeSpan readStallTimeout)
{
    public TopicSnapshot Capture(string topic, CancellationToken cancellationToken)
    {
        using var consumer = consumers.Create();
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
