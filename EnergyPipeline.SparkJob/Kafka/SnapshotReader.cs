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
/// The consumer must be configured with <see cref="ConfigureConsumer"/> and built with <see cref="ConfigureBuilder"/>.
/// Completion records pass the <see cref="CompletionVerifier"/> (none: <see cref="CompletionVerifier.Unkeyed"/>) before
/// they attribute anything.
/// </summary>
public sealed class SnapshotReader(
    IConsumer<ConsumedBytes, ConsumedBytes> consumer, string bootstrapServers, TimeSpan stallTimeout, CompletionVerifier? verifier = null)
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

    /// <summary>Keys and values are read into reused buffers (<see cref="ConsumedBytes"/>), not into two new arrays per message.</summary>
    public static void ConfigureBuilder(ConsumerBuilder<ConsumedBytes, ConsumedBytes> builder) =>
        builder.SetKeyDeserializer(new ConsumedBytes.Deserializer()).SetValueDeserializer(new ConsumedBytes.Deserializer());

    /// <summary>Reads and verifies the control topic's completion records, then captures the data topic's partitions.</summary>
    /// <exception cref="CompletionKeyMismatchException">A key on one side only.</exception>
    public TopicSnapshot Capture(string topic, CancellationToken cancellationToken)
    {
        var completions = ReadCompletions(topic, cancellationToken);
        if (completions.KeyMismatch is { } mismatch)
        {
            throw new CompletionKeyMismatchException(mismatch);
        }

        return new TopicSnapshot(topic, Ranges(topic, required: true)!, completions.Verified)
        {
            UnsignedCompletions = completions.Unsigned,
            UnreadableCompletions = completions.Unreadable,
        };
    }

    /// <summary>The completion records of the control topic of <paramref name="topic"/>, oldest first (none when it is absent), verified.</summary>
    public CompletionRecords ReadCompletions(string topic, CancellationToken cancellationToken)
    {
        var records = new List<(long Offset, IngestionCompletion Record)>();
        var unreadable = new List<long>();
        var controlTopic = RawEnergyTopic.CompletionTopic(topic);
        if (Ranges(controlTopic, required: false) is { } controlRanges)
        {
            ReadToEnd(controlTopic, controlRanges, message =>
            {
                if (!message.Message.Value.IsNull && IngestionCompletion.TryParse(message.Message.Value.Span, out _) is { } completion)
                {
                    records.Add((message.Offset.Value, completion));
                }
                else
                {
                    unreadable.Add(message.Offset.Value);
                }
            }, cancellationToken);
        }

        return _verifier.Verify(controlTopic, records) with { Unreadable = unreadable };
    }

    /// <summary>
    /// Reads every partition of <paramref name="ranges"/> from its start to its end offset (exclusive), handing each
    /// message to <paramref name="onMessage"/> (its key and value are valid during the call only); returns the ranges
    /// with the messages read. Offsets without a message (compaction, transaction markers) are passed over.
    /// </summary>
    public List<PartitionRead> ReadToEnd(
        string topic, IReadOnlyList<PartitionRead> ranges, Action<ConsumeResult<ConsumedBytes, ConsumedBytes>> onMessage, CancellationToken cancellationToken)
    {
        // Per message only arrays indexed by partition (ranges holds each partition of the topic once, numbered from 0).
        var size = ranges.Count == 0 ? 0 : ranges.Max(p => p.Partition) + 1;
        var counts = new long[size];
        var positions = new long[size];
        var ends = new long[size];
        var reading = new bool[size];
        foreach (var range in ranges)
        {
            positions[range.Partition] = range.StartOffset;
            ends[range.Partition] = range.EndOffset;
            reading[range.Partition] = range.EndOffset > range.StartOffset;
        }

        var remaining = ranges.Count(p => p.EndOffset > p.StartOffset);
        consumer.Assign(ranges.Where(p => p.EndOffset > p.StartOffset).Select(p => new TopicPartitionOffset(topic, p.Partition, p.StartOffset)));
        try
        {
            // The stall clock restarts on the first empty poll after progress, not per message: within one poll
            // interval of the timeout, without reading the clock two million times.
            var sinceProgress = Stopwatch.StartNew();
            var progressed = false;
            while (remaining > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ConsumeResult<ConsumedBytes, ConsumedBytes>? consumed;
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
                    if (progressed)
                    {
                        progressed = false;
                        sinceProgress.Restart();
                    }
                    else if (sinceProgress.Elapsed >= stallTimeout)
                    {
                        throw Stalled(topic, ranges.Where(p => reading[p.Partition]), positions);
                    }

                    continue;
                }

                progressed = true;
                var partition = consumed.Partition.Value;
                if ((uint)partition >= (uint)size || !reading[partition])
                {
                    continue;
                }

                var offset = consumed.Offset.Value;
                if (consumed.IsPartitionEOF)
                {
                    if (offset < ends[partition])
                    {
                        throw new KafkaReadException(
                            $"Partition {partition} of {topic} on {bootstrapServers} ended at offset {offset}, below the end offset " +
                            $"{ends[partition]} captured at the start of the run: the partition was truncated or the broker restarted without its " +
                            "data during the read. Nothing was published. Run the ingestor again, then the job.");
                    }

                    Finish(topic, partition, reading, ref remaining);
                    continue;
                }

                if (offset >= ends[partition])
                {
                    Finish(topic, partition, reading, ref remaining);
                    continue;
                }

                counts[partition]++;
                positions[partition] = offset + 1;
                onMessage(consumed);
                if (offset >= ends[partition] - 1)
                {
                    Finish(topic, partition, reading, ref remaining);
                }
            }
        }
        finally
        {
            consumer.Unassign();
        }

        return ranges.Select(p => p with { Messages = counts[p.Partition] }).ToList();
    }

    private KafkaReadException Stalled(string topic, IEnumerable<PartitionRead> unread, long[] positions) => new(
        $"Reading {topic} from {bootstrapServers} made no progress for {stallTimeout.TotalSeconds:0.###} s (Pipeline:ReadStallTimeout); " +
        "partitions still unread: " + string.Join(", ", unread.OrderBy(p => p.Partition).Select(p =>
            $"{p.Partition} (at offset {positions[p.Partition]} of {p.EndOffset})")) +
        ". Is the broker up and reachable from here? Nothing was published.");

    private void Finish(string topic, int partition, bool[] reading, ref int remaining)
    {
        reading[partition] = false;
        remaining--;
        consumer.Pause([new TopicPartition(topic, partition)]);
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
