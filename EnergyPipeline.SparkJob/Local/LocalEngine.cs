using System.Diagnostics;
using Confluent.Kafka;
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

    /// <summary>What the completion records must prove before they attribute anything (<c>Pipeline:CompletionKey</c>).</summary>
    public CompletionVerifier Verifier { get; init; } = CompletionVerifier.Unkeyed;

    /// <summary>Called once the snapshot is captured, before the data is read (a seam for tests that change the topic mid-run).</summary>
    public Action<TopicSnapshot>? AfterSnapshotCaptured { get; init; }
}

/// <summary>
/// The in-process engine (<c>Pipeline:Engine=local</c>): captures a <see cref="TopicSnapshot"/> (completion records,
/// then each partition's watermarks) and reads each partition from its low watermark exactly to the high watermark
/// captured (<see cref="SnapshotReader"/>: gaps from compaction accepted, an early end or a stall fails the run),
/// gives each message to <see cref="QuarterlyAggregator"/> with its ingestion when the snapshot's
/// <see cref="OffsetAttribution"/> names one (and only counts it otherwise), and writes the run's figures into the
/// staging table with binary COPY.
/// </summary>
public sealed partial class LocalEngine(
    LocalEngineOptions options, KafkaConsumerFactory<ConsumedBytes, ConsumedBytes> consumers, QuarterlyStore store, ILogger<LocalEngine> logger) : IJobEngine
{
    public string Name => PipelineNames.LocalEngine;

    public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var aggregator = new QuarterlyAggregator();
        SnapshotRead read;

        var stage = Stopwatch.GetTimestamp();
        using (var readActivity = JobTelemetry.Source.StartActivity("read topic", ActivityKind.Consumer))
        {
            readActivity?.SetTag("messaging.system", "kafka");
            readActivity?.SetTag("messaging.destination.name", run.Topic);
            readActivity?.SetTag("messaging.operation", "receive");
            // librdkafka's consumer is blocking: run the loop on a worker thread.
            read = await Task.Run(() => ReadSnapshot(run.Topic, aggregator, cancellationToken), cancellationToken);
            readActivity?.SetTag("messaging.batch.message_count", aggregator.MessagesRead + read.Unattributed.Count);
        }

        JobTelemetry.RecordStage("read", Name, Stopwatch.GetElapsedTime(stage));
        LogRead(aggregator.MessagesRead + read.Unattributed.Count, read.Partitions.Count, read.Unattributed.Count, aggregator.DuplicatesDropped, aggregator.Invalid);

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
        var attribution = read.Snapshot.Attribution;
        var winning = Enumerable.Range(0, attribution.Ingestions.Count)
            .Select(i => i < result.WinningCopiesByIngestion.Count ? result.WinningCopiesByIngestion[i] : 0)
            .ToArray();
        return new EngineResult(read.Partitions, result.MessagesRead, result.DuplicatesDropped, result.Invalid)
        {
            Evidence = new CompletenessEvidence(attribution, read.PresentByRun, winning),
            InvalidByReason = result.InvalidByReason,
            Unattributed = read.Unattributed.Count,
            UnattributedSamples = read.Unattributed.Samples,
            UnsignedCompletions = read.Snapshot.UnsignedCompletions,
            UnreadableCompletions = read.Snapshot.UnreadableCompletions,
        };
    }

    private SnapshotRead ReadSnapshot(string topic, QuarterlyAggregator aggregator, CancellationToken cancellationToken)
    {
        using var consumer = consumers.Create();
        try
        {
            var reader = new SnapshotReader(consumer, options.BootstrapServers, options.ReadStallTimeout, options.Verifier);
            var snapshot = reader.Capture(topic, cancellationToken);
            options.AfterSnapshotCaptured?.Invoke(snapshot);

            var attribution = snapshot.Attribution;
            var present = new long[attribution.Runs.Count];
            var unattributed = new UnattributedMessages();
            var youngGeneration = new YoungGenerationBound();
            var run = -1;
            var current = default(AttributedRun);
            long messagesRead = 0;
            // One writer (this loop) and a reader that only shows progress: a plain 64-bit write, no interlocked add per message.
            using var progress = ProgressReporter.Start(
                $"Reading {topic}", "messages", snapshot.Partitions.Sum(p => p.EndOffset - p.StartOffset), () => Volatile.Read(ref messagesRead), logger);
            using var aggregation = new BackgroundAggregator(aggregator);
            var partitions = reader.ReadToEnd(topic, snapshot.Partitions, consumed =>
            {
                Volatile.Write(ref messagesRead, messagesRead + 1);
                youngGeneration.Tick();
                var (key, value) = (consumed.Message.Key, consumed.Message.Value);
                var partition = consumed.Partition.Value;
                var offset = consumed.Offset.Value;
                // A partition's messages come in offset order, mostly of one run: the last run is asked first.
                if (run < 0 || !current.Holds(partition, offset))
                {
                    run = attribution.RunAt(partition, offset);
                    current = run < 0 ? default : attribution.Runs[run];
                }

                if (run < 0)
                {
                    unattributed.Add(partition, offset, key.Span, !key.IsNull);
                    return;
                }

                present[run]++;
                aggregation.Add(partition, offset, key.Span, !key.IsNull, value.Span, !value.IsNull, (ushort)attribution.IngestionOf(run));
            }, cancellationToken);
            aggregation.Complete();
            progress.Complete();
            return new SnapshotRead(snapshot, partitions, present, unattributed);
        }
        finally
        {
            consumer.Close();
        }
    }

    private sealed record SnapshotRead(TopicSnapshot Snapshot, List<PartitionRead> Partitions, long[] PresentByRun, UnattributedMessages Unattributed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Messages} messages from {Partitions} partitions: {Unattributed} of no completed ingestion, {Duplicates} duplicates, {Invalid} invalid")]
    private partial void LogRead(long messages, int partitions, long unattributed, long duplicates, long invalid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Messages} invalid messages for {Reason}, first at partition:offset {Samples}")]
    private partial void LogInvalidReason(long messages, string reason, string samples);

}
