using System.Diagnostics;
using Aspire.Confluent.Kafka;
using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.SparkJob.Kafka;

/// <summary>
/// Captures a <see cref="TopicSnapshot"/> and reads partitions exactly to the end offsets captured at start, with one
/// consumer whose partitions are assigned by hand (no group join, nothing committed). The read fails, never ends
/// early: when a partition ends below its captured end (a broker that restarted empty, a truncated partition), when
/// data it still has to read was deleted, and when it makes no progress for the stall timeout.
/// The consumer must be configured with <see cref="ConfigureConsumer"/>. Completion records pass the
/// <see cref="CompletionVerifier"/> (none: <see cref="CompletionVerifier.Unkeyed"/>) before they attribute anything.
/// </summary>
public sealed class SnapshotReader(
    IConsumer<byte[]?, byte[]?> consumer, string bootstrapServers, TimeSpan stallTimeout, CompletionVerifier? verifier = null)
{
    private readonly CompletionVerifier _verifier = verifier ?? CompletionVerifier.Unkeyed;

    /// <summary>The stall timeout when <c>Pipeline:ReadStallTimeout</c> is not set.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The consumer the reader needs, applied to the registration's settings: a group id is required by the client
    /// but never joined (partitions are assigned by hand and nothing is committed); partition EOF events; and an
    /// error instead of a silent jump when an offset it must read is gone (<c>auto.offset.reset=error</c>).
    /// </summary>
    public static void ConfigureConsumer(KafkaConsumerSettings settings)
    {
        var config = settings.Config;
        config.GroupId ??= "energy-job";
        config.ClientId ??= "energy-job";
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.EnablePartitionEof = true;
        config.AutoOffsetReset = AutoOffsetReset.Error;
        // The read needs partition, offset, key and value only: not marshalling each message's headers, topic name (a
        // string per message) and timestamp saves work on two million messages; the reader knows its topic.
        config.ConsumeResultFields = "none";
    }

    /// <summary>Reads and verifies the control topic's completion records, then captures the data topic's partitions.</summary>
    /// <exception cref="CompletionKeyMismatchException">A key on one side only.</exception>
    public TopicSnapshot Capture(string topic, CancellationToken cancellationToken)
    {
        var completions = ReadCompletions(topic, cancellationToken);
        if (completions.KeyMismatch is { } mismatch)
        {
            throw new CompletionKeyMismatchException(mismatch);
        }

        return new TopicSnapshot(topic, Ranges(topic, required: true)!, completions.Verified) { UnsignedCompletions = completions.Unsigned };
    }

    /// <summary>The completion records of the control topic of <paramref name="topic"/>, oldest first (none when it is absent), verified.</summary>
    public CompletionRecords ReadCompletions(string topic, CancellationToken cancellationToken)
    {
        var records = new List<(long Offset, IngestionCompletion Record)>();
        var controlTopic = RawEnergyTopic.CompletionTopic(topic);
        if (Ranges(controlTopic, required: false) is { } controlRanges)
        {
            ReadToEnd(controlTopic, controlRanges, message =>
            {
                if (message.Message.Value is { } value && IngestionCompletion.TryParse(value, out _) is { } completion)
                {
                    records.Add((message.Offset.Value, completion));
                }
            }, cancellationToken);
        }

        return _verifier.Verify(controlTopic, records);
    }

    /// <summary>
    /// Reads every partition of <paramref name="ranges"/> from its start to its end offset (exclusive), handing each
    /// message to <paramref name="onMessage"/>; returns the ranges with the messages read. Offsets without a message
    /// (compaction, transaction markers) are passed over.
    /// </summary>
    public List<PartitionRead> ReadToEnd(
        string topic, IReadOnlyList<PartitionRead> ranges, Action<ConsumeResult<byte[]?, byte[]?>> onMessage, CancellationToken cancellationToken)
    {
        var counts = ranges.ToDictionary(p => p.Partition, _ => 0L);
        var positions = ranges.ToDictionary(p => p.Partition, p => p.StartOffset);
        var remaining = ranges.Where(p => p.EndOffset > p.StartOffset).ToDictionary(p => p.Partition);
        consumer.Assign(remaining.Values.Select(p => new TopicPartitionOffset(topic, p.Partition, p.StartOffset)));
        try
        {
            var sinceProgress = Stopwatch.StartNew();
            while (remaining.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ConsumeResult<byte[]?, byte[]?>? consumed;
                try
                {
                    consumed = consumer.Consume(PollInterval);
                }
                catch (ConsumeException ex)
                {
                    var at = ex.ConsumerRecord?.TopicPartitionOffset;
                    throw new KafkaReadException(
                        $"Reading {topic} from {bootstrapServers} failed{(at is null ? "" : $" at partition {at.Partition.Value} offset {at.Offset.Value}")}: " +
                        $"{ex.Error.Code} {ex.Error.Reason}. Messages the run had to read are gone (deleted by retention, or the broker lost " +
                        "its data); nothing was published. Run the ingestor again, then the job.", ex);
                }

                if (consumed is null)
                {
                    if (sinceProgress.Elapsed >= stallTimeout)
                    {
                        throw Stalled(topic, remaining.Values, positions);
                    }

                    continue;
                }

                sinceProgress.Restart();
                var partition = consumed.Partition.Value;
                if (!remaining.TryGetValue(partition, out var range))
                {
                    continue;
                }

                if (consumed.IsPartitionEOF)
                {
                    if (consumed.Offset.Value < range.EndOffset)
                    {
                        throw new KafkaReadException(
                            $"Partition {partition} of {topic} on {bootstrapServers} ended at offset {consumed.Offset.Value}, below the end offset " +
                            $"{range.EndOffset} captured at the start of the run: the partition was truncated or the broker restarted without its " +
                            "data during the read. Nothing was published. Run the ingestor again, then the job.");
                    }

                    Finish(remaining, new TopicPartition(topic, partition));
                    continue;
                }

                if (consumed.Offset.Value >= range.EndOffset)
                {
                    Finish(remaining, new TopicPartition(topic, partition));
                    continue;
                }

                counts[partition]++;
                positions[partition] = consumed.Offset.Value + 1;
                onMessage(consumed);
                if (consumed.Offset.Value >= range.EndOffset - 1)
                {
                    Finish(remaining, new TopicPartition(topic, partition));
                }
            }
        }
        finally
        {
            consumer.Unassign();
        }

        return ranges.Select(p => p with { Messages = counts[p.Partition] }).ToList();
    }

    private KafkaReadException Stalled(string topic, IEnumerable<PartitionRead> unread, Dictionary<int, long> positions) => new(
        $"Reading {topic} from {bootstrapServers} made no progress for {stallTimeout.TotalSeconds:0.###} s (Pipeline:ReadStallTimeout); " +
        "partitions still unread: " + string.Join(", ", unread.OrderBy(p => p.Partition).Select(p =>
            $"{p.Partition} (at offset {positions[p.Partition]} of {p.EndOffset})")) +
        ". Is the broker up and reachable from here? Nothing was published.");

    private void Finish(Dictionary<int, PartitionRead> remaining, TopicPartition partition)
    {
        remaining.Remove(partition.Partition.Value);
        consumer.Pause([partition]);
    }

    /// <summary>Every partition of the topic with its watermarks, or null when the topic is absent and not required.</summary>
    private List<PartitionRead>? Ranges(string topic, bool required)
    {
        TopicMetadata? metadata;
        try
        {
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            metadata = admin.GetMetadata(topic, stallTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
        }
        catch (KafkaException ex)
        {
            throw new KafkaReadException($"Kafka at {bootstrapServers} did not answer a metadata request for {topic}: {ex.Error.Code} {ex.Error.Reason}", ex);
        }

        if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            // Only a topic the broker does not know is absent; any other error (a leader being elected) is no proof
            // that the control topic holds no completion record.
            var absent = metadata is null || metadata.Error.Code == ErrorCode.UnknownTopicOrPart;
            return required || !absent
                ? throw new KafkaReadException(
                    $"Topic {topic} is not available on {bootstrapServers}: {metadata?.Error.Reason ?? "not in the metadata"}. Run the ingestor first.")
                : null;
        }

        return metadata.Partitions.OrderBy(p => p.PartitionId).Select(p =>
        {
            try
            {
                var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), stallTimeout);
                return new PartitionRead(p.PartitionId, watermarks.Low.Value, watermarks.High.Value, 0);
            }
            catch (KafkaException ex)
            {
                throw new KafkaReadException(
                    $"Kafka at {bootstrapServers} did not give the offsets of partition {p.PartitionId} of {topic}: {ex.Error.Code} {ex.Error.Reason}", ex);
            }
        }).ToList();
    }
}

/// <summary>The topic could not be read completely; the message says where and what to do.</summary>
public sealed class KafkaReadException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
