using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Kafka;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Messaging;
using EnergyPipeline.Progress;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Ingestor.Ingestion;

/// <summary>The outcome of one ingestion run. <see cref="Error"/> is null exactly when every reading was acknowledged.</summary>
public sealed record IngestionResult(string RunId, string SourceSha256, ParseSummary Parse, long Sent, TimeSpan Elapsed, bool TopicCreated, string? Error)
{
    /// <summary>The run span's trace id: the job run that consumes this ingestion last continues this trace.</summary>
    public string? TraceId { get; init; }

    public bool Succeeded => Error is null;
}

/// <summary>
/// One run: open the run span, make sure the topic exists, stream the file into Kafka while hashing exactly the bytes
/// parsed, then wait for every acknowledgement. Malformed lines are counted by reason and sampled in the log, never
/// sent. The completion record is written only when every reading was acknowledged, the file did not change while it
/// was read, and its malformed lines are within <see cref="IngestorOptions.MaxMalformedLines"/>.
/// </summary>
/// <remarks>With a <see cref="CompletionKey"/> the completion record is signed; without one it is written unsigned.</remarks>
public sealed class IngestionRunner(
    IProducer<byte[], byte[]> producer, IAdminClient admin, IngestorOptions options, ILogger<IngestionRunner> logger, CompletionKey? completionKey = null)
{
    public async Task<IngestionResult> RunAsync(string path, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var runId = Guid.CreateVersion7().ToString();
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = runId });

        using var run = IngestionTelemetry.Source.StartActivity("ingest household power file", ActivityKind.Internal)
            ?? new Activity("ingest household power file").Start();
        run.SetTag("energy.run_id", runId);
        run.SetTag("energy.source.file", path);

        var provisioner = new TopicProvisioner(admin, logger);
        var topicCreated = await provisioner.EnsureAsync(options.Topic, options.Partitions, options.ReplicationFactor, cancellationToken);
        var completionTopic = RawEnergyTopic.CompletionTopic(options.Topic);
        await provisioner.EnsureAsync(completionTopic, 1, options.ReplicationFactor, cancellationToken);

        using var publisher = new KafkaReadingPublisher(producer, options.Topic, run.Context, options.RowsPerBatchSpan);
        // The share of the file's bytes read: known from the start, unlike the number of readings in it. The done line
        // follows once the last delivery report is in (Complete below).
        using var opened = HouseholdFileReader.OpenSequential(path);
        using var file = new CountingReadStream(opened);
        using var progress = ProgressReporter.Start($"Sending {Path.GetFileName(path)} to {options.Topic}", "bytes", file.Length, () => file.BytesRead, logger);

        HashedRead hashed;
        using (var read = IngestionTelemetry.Source.StartActivity("read household power file"))
        {
            read?.SetTag("energy.source.file", path);
            logger.LogInformation("Ingestion run {RunId}: streaming {File} into {Topic}", runId, path, options.Topic);
            hashed = await Task.Run(() => HouseholdFileReader.ReadHashed(path, opened.SafeFileHandle, file, publisher, options.MalformedSampleSize, cancellationToken), cancellationToken);
            read?.SetTag("energy.rows_read", hashed.Parse.DataLines);
            read?.SetTag("energy.bytes_read", hashed.Parse.Bytes);
        }

        var (parse, sha256) = (hashed.Parse, hashed.Sha256);
        run.SetTag("energy.source.sha256", sha256);
        logger.LogInformation("Ingestion run {RunId}: read {Bytes} bytes of {File}, SHA-256 {Sha256}", runId, parse.Bytes, path, sha256);

        foreach (var malformed in parse.MalformedSample)
        {
            logger.LogWarning("Malformed line skipped: {Malformed}", malformed);
        }

        var error = await Task.Run(() => publisher.Complete(TimeSpan.FromMilliseconds(options.MessageTimeoutMs + 10_000)), cancellationToken);
        if (error is null && publisher.ShouldStop)
        {
            error = publisher.FirstError;
        }

        if (error is null)
        {
            progress.Complete();
        }

        error ??= hashed.Change ?? MalformedLinePolicy.Problem(path, parse, options.MaxMalformedLines);
        if (error is null)
        {
            var completion = new IngestionCompletion(
                runId, sha256, publisher.Delivered, publisher.ReadingRange.First, publisher.ReadingRange.Last,
                publisher.DeliveredOffsets, TraceParent(run), DateTimeOffset.UtcNow)
            {
                MalformedLines = parse.Malformed,
                MalformedByReason = parse.MalformedByReason,
            };
            error = await RecordCompletionAsync(completionTopic, completionKey?.Sign(completion) ?? completion, cancellationToken);
        }

        RecordMetrics(parse);
        var result = new IngestionResult(runId, sha256, parse, publisher.Delivered, clock.Elapsed, topicCreated, error) { TraceId = run.TraceId.ToHexString() };
        run.SetTag("energy.rows_sent", result.Sent);
        run.SetTag("energy.rows_malformed", parse.Malformed);
        if (error is null)
        {
            logger.LogInformation(
                "Ingestion run {RunId} done: {Read} rows read, {Sent} sent, {Missing} with missing values, {Malformed} malformed, {Bytes} bytes in {Seconds:F2} s",
                runId, parse.DataLines, result.Sent, parse.MissingValueRows, parse.Malformed, parse.Bytes, clock.Elapsed.TotalSeconds);
        }
        else
        {
            run.SetStatus(ActivityStatusCode.Error, error);
            logger.LogError("Ingestion run {RunId} failed: {Error}", runId, error);
        }

        return result;
    }

    /// <summary>
    /// Writes the completion record once every reading is acknowledged: it names the offsets of the run's readings, and
    /// the job uses no reading that no completion record names.
    /// Returns null when the record itself was acknowledged, else the reason.
    /// </summary>
    private async Task<string?> RecordCompletionAsync(string completionTopic, IngestionCompletion completion, CancellationToken cancellationToken)
    {
        try
        {
            var produce = producer.ProduceAsync(completionTopic, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(completion.RunId),
                Value = completion.ToJsonBytes(),
            }, cancellationToken);

            // Flush serves the delivery report when no background thread polls (IngestorProducerConfig).
            producer.Flush(TimeSpan.FromMilliseconds(options.MessageTimeoutMs + 10_000));
            var delivery = await produce;
            logger.LogInformation("Ingestion run {RunId}: completion recorded in {Topic} at offset {Offset}",
                completion.RunId, completionTopic, delivery.Offset.Value);
            return null;
        }
        catch (ProduceException<byte[], byte[]> ex)
        {
            return $"every reading was delivered but the completion record could not be written to {completionTopic} " +
                $"({ex.Error.Code} {ex.Error.Reason}): the job will not use this run's readings; run the ingestor again";
        }
    }

    private static string TraceParent(Activity activity) =>
        $"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-{((activity.ActivityTraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    private static void RecordMetrics(ParseSummary parse)
    {
        IngestionTelemetry.RowsRead.Add(parse.DataLines);
        IngestionTelemetry.RowsMalformed.Add(parse.Malformed);
        IngestionTelemetry.RowsMissing.Add(parse.MissingValueRows);
        IngestionTelemetry.BytesRead.Add(parse.Bytes);
    }
}
