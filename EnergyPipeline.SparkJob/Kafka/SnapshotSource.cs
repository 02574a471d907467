using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.SparkJob.Kafka;

/// <summary>
/// Captures a <see cref="TopicSnapshot"/> with a consumer of the registration (the Spark engine's part on the job's
/// side: Spark then reads exactly that snapshot), or only the completion records (the job's trace parent).
/// </summary>
public sealed class SnapshotSource(
    KafkaConsumerFactory<ConsumedBytes, ConsumedBytes> consumers, string bootstrapServers, TimeSpan readStallTimeout, CompletionVerifier? verifier = null)
{
    public TopicSnapshot Capture(string topic, CancellationToken cancellationToken) => Read(reader => reader.Capture(topic, cancellationToken));

    /// <summary>Only the verified completion records (a small control topic): what the job's run span needs before it starts.</summary>
    public IReadOnlyList<Messaging.IngestionCompletion> ReadCompletions(string topic, CancellationToken cancellationToken) =>
        Read(reader => reader.ReadCompletions(topic, cancellationToken).Verified);

    private T Read<T>(Func<SnapshotReader, T> read)
    {
        using var consumer = consumers.Create();
        try
        {
            return read(new SnapshotReader(consumer, bootstrapServers, readStallTimeout, verifier));
        }
        finally
        {
            consumer.Close();
        }
    }
}
