using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Ingestor.Kafka;

/// <summary>
/// Makes sure the topic exists: looked up in the cluster metadata first (no topic is named in the request,
/// so brokers that auto-create topics do not create it), created with the configured partitions and
/// <c>cleanup.policy=compact</c> when absent.
/// </summary>
public sealed class TopicProvisioner(IAdminClient admin, ILogger logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <returns>True when the topic was created, false when it existed.</returns>
    public async Task<bool> EnsureAsync(string topic, int partitions, short replicationFactor, CancellationToken cancellationToken = default)
    {
        if (FindPartitions(topic) is { } existing)
        {
            if (existing != partitions)
            {
                logger.LogWarning("Topic {Topic} exists with {Existing} partitions; {Configured} are configured and the existing count is kept",
                    topic, existing, partitions);
            }
            else
            {
                logger.LogInformation("Topic {Topic} exists with {Partitions} partitions", topic, existing);
            }

            return false;
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await admin.CreateTopicsAsync([Specification(topic, partitions, replicationFactor)],
                new CreateTopicsOptions { RequestTimeout = Timeout, OperationTimeout = Timeout });
            logger.LogInformation("Created topic {Topic} with {Partitions} partitions, cleanup.policy=compact", topic, partitions);
            return true;
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            logger.LogInformation("Topic {Topic} was created concurrently by someone else", topic);
            return false;
        }
        catch (CreateTopicsException ex)
        {
            var reason = string.Join("; ", ex.Results.Select(r => $"{r.Topic}: {r.Error.Code} {r.Error.Reason}"));
            throw new InvalidOperationException(
                $"Topic {topic} does not exist and could not be created ({reason}). Create it with {partitions} partitions and cleanup.policy=compact.", ex);
        }
        catch (KafkaException ex)
        {
            throw new InvalidOperationException(
                $"Topic {topic} does not exist and could not be created: {ex.Error.Code} {ex.Error.Reason}. " +
                $"Create it with {partitions} partitions and cleanup.policy=compact.", ex);
        }
    }

    public static TopicSpecification Specification(string topic, int partitions, short replicationFactor) => new()
    {
        Name = topic,
        NumPartitions = partitions,
        ReplicationFactor = replicationFactor,
        Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" },
    };

    private int? FindPartitions(string topic)
    {
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(Timeout);
        }
        catch (KafkaException ex)
        {
            throw new InvalidOperationException($"Kafka did not answer a metadata request: {ex.Error.Code} {ex.Error.Reason}", ex);
        }

        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError);
        return found?.Partitions.Count;
    }
}
