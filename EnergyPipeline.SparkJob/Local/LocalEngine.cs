using System.Diagnostics;
using System.Text;
using Aspire.Confluent.Kafka;
using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Engine;
using EnergyPipeline.SparkJob.Storage;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob.Local;

/// <summary>Settings of the local engine.</summary>
public sealed class LocalEngineOptions
{
    /// <summary>Kafka bootstrap servers, <c>host:port[,...]</c> (ConnectionStrings:kafka).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>Timeout of the metadata and watermark requests made at start.</summary>
    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The in-process engine (<c>Pipeline:Engine=local</c>): assigns every partition of the topic, captures the high
/// watermarks at start and reads each partition from its low watermark up to them (a consistent snapshot: no group
/// join, no commits, gaps from compaction accepted), aggregates with <see cref="QuarterlyAggregator"/>, and writes
/// the run's figures into the staging table with binary COPY.
/// </summary>
public sealed partial class LocalEngine(
    LocalEngineOptions options, KafkaConsumerFactory<byte[]?, byte[]?> consumers, QuarterlyStore store, ILogger<LocalEngine> logger) : IJobEngine
{
    public const string EngineName = "local";

    /// <summary>
    /// The consumer the engine needs, applied to the registration's settings: a group id is required by the client
    /// but never joined (partitions are assigned by hand and nothing is committed).
    /// </summary>
    public static void ConfigureConsumer(KafkaConsumerSettings settings)
    {
        settings.Config.GroupId ??= "energy-job-local";
        settings.Config.ClientId ??= "energy-job-local";
        settings.Config.EnableAutoCommit = false;
        settings.Config.EnableAutoOffsetStore = false;
        settings.Config.EnablePartitionEof = true;
        settings.Config.AutoOffsetReset = AutoOffsetReset.Earliest;
    }

    public string Name => EngineName;

    public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var runActivity = Activity.Current;
        var aggregator = new QuarterlyAggregator();
        IReadOnlyList<PartitionRead> partitions;

        var stage = Stopwatch.GetTimestamp();
        using (var read = JobTelemetry.Source.StartActivity("read topic", ActivityKind.Consumer))
        {
            read?.SetTag("messaging.system", "kafka");
            read?.SetTag("messaging.destination.name", run.Topic);
            read?.SetTag("messaging.operation", "receive");
            // librdkafka's consumer is blocking: run the loop on a worker thread.
            partitions = await Task.Run(() => ReadSnapshot(run.Topic, aggregator, runActivity, cancellationToken), cancellationToken);
            read?.SetTag("messaging.batch.message_count", aggregator.MessagesRead);
        }

        JobTelemetry.RecordStage("read", Name, Stopwatch.GetElapsedTime(stage));
        LogRead(aggregator.MessagesRead, partitions.Count, aggregator.DuplicatesDropped, aggregator.Invalid);

        stage = Stopwatch.GetTimestamp();
        AggregationResult result;
        using (JobTelemetry.Source.StartActivity("aggregate"))
        {
            result = aggregator.Complete();
        }

        JobTelemetry.RecordStage("aggregate", Name, Stopwatch.GetElapsedTime(stage));
        foreach (var reason in result.InvalidByReason)
        {
            LogInvalidReason(reason.Messages, reason.Reason, string.Join(", ", reason.Samples.Select(m => $"{m.Partition}:{m.Offset}")));
        }

        stage = Stopwatch.GetTimestamp();
        using (JobTelemetry.Source.StartActivity("write staging"))
        {
            await store.WriteStagingAsync(run.RunId, result.Quarters, cancellationToken);
        }

        JobTelemetry.RecordStage("write", Name, Stopwatch.GetElapsedTime(stage));
        return new EngineResult(partitions, result.MessagesRead, result.DuplicatesDropped, result.Invalid) { InvalidByReason = result.InvalidByReason };
    }

    private List<PartitionRead> ReadSnapshot(string topic, QuarterlyAggregator aggregator, Activity? runActivity, CancellationToken cancellationToken)
    {
        using var consumer = consumers.Create();
        try
        {
            var snapshot = CaptureSnapshot(consumer, topic);
            var counts = snapshot.ToDictionary(p => p.Partition, _ => 0L);
            var remaining = snapshot.Where(p => p.EndOffset > p.StartOffset).ToDictionary(p => p.Partition);
            consumer.Assign(remaining.Values.Select(p => new TopicPartitionOffset(topic, p.Partition, p.StartOffset)));
            var links = new TraceLinks(runActivity);

            while (remaining.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var consumed = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (consumed is null || !remaining.TryGetValue(consumed.Partition.Value, out var partition))
                {
                    continue;
                }

                if (consumed.IsPartitionEOF || consumed.Offset.Value >= partition.EndOffset)
                {
                    Finish(consumer, remaining, consumed.TopicPartition);
                    continue;
                }

                var message = consumed.Message;
                counts[partition.Partition]++;
                links.Add(message.Headers);
                aggregator.Add(partition.Partition, consumed.Offset.Value, message.Key, message.Value);
                if (consumed.Offset.Value >= partition.EndOffset - 1)
                {
                    Finish(consumer, remaining, consumed.TopicPartition);
                }
            }

            return snapshot.Select(p => p with { Messages = counts[p.Partition] }).ToList();
        }
        finally
        {
            consumer.Close();
        }
    }

    private List<PartitionRead> CaptureSnapshot(IConsumer<byte[]?, byte[]?> consumer, string topic)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(topic, options.MetadataTimeout);
        var topicMetadata = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
        if (topicMetadata is null || topicMetadata.Error.IsError || topicMetadata.Partitions.Count == 0)
        {
            throw new InvalidOperationException(
                $"Topic {topic} is not available on {options.BootstrapServers}: {topicMetadata?.Error.Reason ?? "not in the metadata"}. Run the ingestor first.");
        }

        return topicMetadata.Partitions
            .OrderBy(p => p.PartitionId)
            .Select(p =>
            {
                var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), options.MetadataTimeout);
                return new PartitionRead(p.PartitionId, watermarks.Low.Value, watermarks.High.Value, 0);
            })
            .ToList();
    }

    private static void Finish(IConsumer<byte[]?, byte[]?> consumer, Dictionary<int, PartitionRead> remaining, TopicPartition partition)
    {
        remaining.Remove(partition.Partition.Value);
        consumer.Pause([partition]);
    }

    /// <summary>Links the run span to the distinct ingestion traces it consumes, up to <see cref="JobTelemetry.MaxTraceLinks"/>.</summary>
    private sealed class TraceLinks(Activity? runActivity)
    {
        private readonly HashSet<string> _seen = [];
        private byte[]? _last;

        public void Add(Headers? headers)
        {
            if (runActivity is null || _seen.Count >= JobTelemetry.MaxTraceLinks || headers is null
                || !headers.TryGetLastBytes(RawEnergyTopic.TraceParentHeader, out var traceParent)
                || (_last is not null && traceParent.AsSpan().SequenceEqual(_last)))
            {
                return;
            }

            _last = traceParent;
            var text = Encoding.UTF8.GetString(traceParent);
            if (_seen.Add(text) && ActivityContext.TryParse(text, null, isRemote: true, out var context))
            {
                runActivity.AddLink(new ActivityLink(context));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Messages} messages from {Partitions} partitions: {Duplicates} duplicates, {Invalid} invalid")]
    private partial void LogRead(long messages, int partitions, long duplicates, long invalid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Messages} invalid messages for {Reason}, first at partition:offset {Samples}")]
    private partial void LogInvalidReason(long messages, string reason, string samples);
}
