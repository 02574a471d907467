using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.Progress;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.ServiceDefaults.Memory;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.SparkJob.Telemetry;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob.Local;

/// <summary>Settings of the local engine.</summary>
public sealed class LocalEngineOptions
{
    /// <summary>Kafka bootstrap servers, <c>host:port[,...]</c> (ConnectionStrings:kafka).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The read fails when it makes no progress for this long (<c>Pipeline:ReadStallTimeout</c>); also the metadata timeout.</summary>
    public TimeSpan ReadStallTimeout { get; init; } = SnapshotReader.DefaultStallTimeout;

    /// <summary>Called once the snapshot is captured, before the data is read (a seam for tests that change the topic mid-run).</summary>
    public Action<TopicSnapshot>? AfterSnapshotCaptured { get; init; }
}

/// <summary>
/// The in-process engine (<c>Pipeline:Engine=local</c>): captures a <see cref="TopicSnapshot"/> (completion records,
/// then each partition's watermarks) and reads each partition from its low watermark exactly to the high watermark
/// captured (<see cref="SnapshotReader"/>: gaps from compaction accepted, an early end or a stall fails the run),
/// aggregates with <see cref="QuarterlyAggregator"/> keeping each minute's ingestion run, and writes the run's
/// figures into the staging table with binary COPY. Its consumers are configured by <see cref="SnapshotReader.ConfigureConsumer"/>.
/// </summary>
public sealed partial class LocalEngine(
    LocalEngineOptions options, KafkaConsumerFactory<byte[]?, byte[]?> consumers, QuarterlyStore store, ILogger<LocalEngine> logger) : IJobEngine
{
    public string Name => PipelineNames.LocalEngine;

    public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var runActivity = Activity.Current;
        var aggregator = new QuarterlyAggregator();
        SnapshotRead read;

        var stage = Stopwatch.GetTimestamp();
        using (var readActivity = JobTelemetry.Source.StartActivity("read topic", ActivityKind.Consumer))
        {
            readActivity?.SetTag("messaging.system", "kafka");
            readActivity?.SetTag("messaging.destination.name", run.Topic);
            readActivity?.SetTag("messaging.operation", "receive");
            // librdkafka's consumer is blocking: run the loop on a worker thread.
            read = await Task.Run(() => ReadSnapshot(run.Topic, aggregator, runActivity, cancellationToken), cancellationToken);
            readActivity?.SetTag("messaging.batch.message_count", aggregator.MessagesRead);
        }

        JobTelemetry.RecordStage("read", Name, Stopwatch.GetElapsedTime(stage));
        LogRead(aggregator.MessagesRead, read.Partitions.Count, aggregator.DuplicatesDropped, aggregator.Invalid);

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
        var winning = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < result.WinningCopiesByIngestion.Count; i++)
        {
            winning[read.RunIds[i]] = result.WinningCopiesByIngestion[i];
        }

        return new EngineResult(read.Partitions, result.MessagesRead, result.DuplicatesDropped, result.Invalid)
        {
            Evidence = new CompletenessEvidence(read.Snapshot.Completions, winning, read.NewestIngestion),
            InvalidByReason = result.InvalidByReason,
        };
    }

    private SnapshotRead ReadSnapshot(string topic, QuarterlyAggregator aggregator, Activity? runActivity, CancellationToken cancellationToken)
    {
        using var consumer = consumers.Create();
        try
        {
            var reader = new SnapshotReader(consumer, options.BootstrapServers, options.ReadStallTimeout);
            var snapshot = reader.Capture(topic, cancellationToken);
            options.AfterSnapshotCaptured?.Invoke(snapshot);

            var runIds = new RunIdTable();
            var newest = snapshot.NewestCompletion;
            var newestLastOffsets = newest?.Partitions.ToDictionary(p => p.Partition, p => p.LastOffset) ?? [];
            var present = new Dictionary<int, long>();
            var later = new Dictionary<int, long>();
            var links = new TraceLinks(runActivity);
            var youngGeneration = new YoungGenerationBound();
            long messagesRead = 0;
            using var progress = ProgressReporter.Start(
                $"Reading {topic}", "messages", snapshot.Partitions.Sum(p => p.EndOffset - p.StartOffset), () => Interlocked.Read(ref messagesRead), logger);
            var partitions = reader.ReadToEnd(topic, snapshot.Partitions, consumed =>
            {
                Interlocked.Increment(ref messagesRead);
                var message = consumed.Message;
                links.Add(message.Headers);
                var ingestion = runIds.IndexOf(message.Headers);
                var partition = consumed.Partition.Value;
                var offset = consumed.Offset.Value;
                if (newestLastOffsets.TryGetValue(partition, out var newestLast))
                {
                    if (runIds.RunId(ingestion) == newest!.RunId) present[partition] = present.GetValueOrDefault(partition) + 1;
                    if (offset > newestLast) later[partition] = later.GetValueOrDefault(partition) + 1;
                }

                aggregator.Add(partition, offset, message.Key, message.Value, ingestion);
                youngGeneration.Tick();
            }, cancellationToken);
            progress.Complete();

            var presence = newestLastOffsets.Keys
                .Select(p => new NewestIngestionPresence(p, present.GetValueOrDefault(p), later.GetValueOrDefault(p)))
                .ToList();
            return new SnapshotRead(snapshot, partitions, runIds.All, presence);
        }
        finally
        {
            consumer.Close();
        }
    }

    private sealed record SnapshotRead(
        TopicSnapshot Snapshot, List<PartitionRead> Partitions, IReadOnlyList<string> RunIds, List<NewestIngestionPresence> NewestIngestion);

    /// <summary>
    /// Numbers the ingestion run ids of the messages for the aggregator's per-minute slot (0: no run id header). Copies
    /// of one run arrive in long stretches, so the last header's bytes are compared first.
    /// </summary>
    private sealed class RunIdTable
    {
        private readonly Dictionary<string, ushort> _numbers = new(StringComparer.Ordinal) { [CompletenessEvidence.NoRunId] = 0 };
        private readonly List<string> _runIds = [CompletenessEvidence.NoRunId];
        private byte[]? _lastBytes;
        private ushort _last;

        public IReadOnlyList<string> All => _runIds;

        public string RunId(ushort number) => _runIds[number];

        public ushort IndexOf(Headers? headers)
        {
            if (headers is null || !headers.TryGetLastBytes(RawEnergyTopic.RunIdHeader, out var bytes))
            {
                return 0;
            }

            if (_lastBytes is not null && bytes.AsSpan().SequenceEqual(_lastBytes))
            {
                return _last;
            }

            var runId = Encoding.UTF8.GetString(bytes);
            if (!_numbers.TryGetValue(runId, out var number))
            {
                if (_runIds.Count > ushort.MaxValue)
                {
                    throw new InvalidOperationException($"The topic holds messages of more than {ushort.MaxValue} ingestion runs; compact or recreate it.");
                }

                number = (ushort)_runIds.Count;
                _numbers.Add(runId, number);
                _runIds.Add(runId);
            }

            _lastBytes = bytes;
            _last = number;
            return number;
        }
    }

    /// <summary>
    /// Links the run span to the ingestion traces it consumes (<see cref="IngestionTraceLinks"/>), reading a
    /// message's traceparent only when it differs from the previous message's: consecutive messages mostly share one.
    /// </summary>
    private sealed class TraceLinks(Activity? runActivity)
    {
        private readonly IngestionTraceLinks _links = new(runActivity);
        private byte[]? _last;

        public void Add(Headers? headers)
        {
            if (_links.IsFull || headers is null
                || !headers.TryGetLastBytes(RawEnergyTopic.TraceParentHeader, out var traceParent)
                || (_last is not null && traceParent.AsSpan().SequenceEqual(_last)))
            {
                return;
            }

            _last = traceParent;
            _links.Add(Encoding.UTF8.GetString(traceParent));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Messages} messages from {Partitions} partitions: {Duplicates} duplicates, {Invalid} invalid")]
    private partial void LogRead(long messages, int partitions, long duplicates, long invalid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Messages} invalid messages for {Reason}, first at partition:offset {Samples}")]
    private partial void LogInvalidReason(long messages, string reason, string samples);

}
