using System.Diagnostics;
using System.Text.Json.Serialization;
using System.Text.Json;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.SparkJob.Telemetry;
using EnergyPipeline.Summaries;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob.Orchestration;

/// <summary>
/// The part of a run shared by every engine: schema, run row, the engine, then the publication of its staging rows
/// in one transaction; on failure or cancellation the old figures stay and the run row says failed, with the error.
/// </summary>
/// <remarks>
/// With <paramref name="completions"/>, the run span continues the newest completed ingestion's trace (one trace per
/// pipeline run), and links the traces of the other ingestions its figures come from (their completion records).
/// </remarks>
public sealed partial class JobRunner(
    SchemaMigrator migrator, QuarterlyStore store, IJobEngine engine, ILogger<JobRunner> logger, TimeProvider? time = null,
    SnapshotSource? completions = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<JobSummary> RunAsync(string topic, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var parent = await IngestionTraceAsync(topic, cancellationToken);
        using var activity = JobTelemetry.Source.StartActivity("energy job run", ActivityKind.Internal, parent);
        using (JobTelemetry.Source.StartActivity("migrate schema"))
        {
            await migrator.MigrateAsync(cancellationToken);
        }

        var run = new JobRun(Guid.NewGuid(), topic, _time.GetUtcNow());
        activity?.SetTag("energy.run_id", run.RunId.ToString());
        activity?.SetTag("energy.engine", engine.Name);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", topic);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.RunId, ["Engine"] = engine.Name });
        LogStarting(run.RunId, engine.Name, topic);

        await using var lease = await store.StartRunAsync(run, engine.Name, cancellationToken);
        // A run another run marked abandoned stops at once (RunLease.Lost) and records its own failure.
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        EngineResult? result = null;
        try
        {
            result = await engine.RunAsync(run, running.Token);
            LinkContributingIngestions(activity, result.Evidence);
            if (result.Unattributed > 0)
            {
                LogUnattributed(result.Unattributed, string.Join(", ", result.UnattributedSamples));
            }

            if (result.UnsignedCompletions is { Count: > 0 } unsigned)
            {
                LogUnsigned(unsigned.Count, NameFirst(unsigned));
            }

            if (result.UnreadableCompletions is { Count: > 0 } unreadable)
            {
                LogUnreadable(unreadable.Count, RawEnergyTopic.CompletionTopic(topic), NameFirst(unreadable));
            }

            CompletenessCheck.Verify(result);
            if (result.ReadingsRead - result.DuplicatesDropped - result.Invalid <= 0)
            {
                throw new InvalidOperationException(CompletenessCheck.NothingToPublish(topic, result));
            }

            int quarters;
            var publishStarted = Stopwatch.GetTimestamp();
            using (JobTelemetry.Source.StartActivity("publish quarterly figures"))
            {
                quarters = await store.PublishAsync(run.RunId, result, running.Token);
            }

            JobTelemetry.RecordStage("publish", engine.Name, Stopwatch.GetElapsedTime(publishStarted));
            JobTelemetry.ReadingsRead.Add(result.ReadingsRead);
            JobTelemetry.DuplicatesDropped.Add(result.DuplicatesDropped);
            JobTelemetry.Invalid.Add(result.Invalid);
            JobTelemetry.Unattributed.Add(result.Unattributed);
            JobTelemetry.QuartersWritten.Add(quarters);

            var summary = new JobSummary(run.RunId, engine.Name, result.ReadingsRead, result.DuplicatesDropped, result.Invalid, result.Unattributed,
                result.UnsignedCompletions?.Count, quarters, Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3), activity?.TraceId.ToHexString());
            LogSucceeded(summary.ToJson());
            return summary;
        }
        catch (Exception ex)
        {
            var error = lease.Lost.IsCancellationRequested ? $"{nameof(RunAbandonedException)}: {RunAbandonedException.Describe(run.RunId)}"
                : ex is OperationCanceledException ? "cancelled"
                : $"{ex.GetType().Name}: {ex.Message}";
            activity?.SetStatus(ActivityStatusCode.Error, error);
            LogFailed(ex, run.RunId, error);
            try
            {
                await store.FailRunAsync(run.RunId, error, result, CancellationToken.None);
            }
            catch (Exception recording)
            {
                // The cause comes first: the failed bookkeeping is secondary (a later run marks this one abandoned).
                throw new JobFailedException(
                    $"{error} (recording this failure in {Storage.EnergySchema.RunsTable} failed too: {recording.GetType().Name}: {recording.Message})", ex);
            }

            if (lease.Lost.IsCancellationRequested && ex is OperationCanceledException)
            {
                throw new RunAbandonedException(RunAbandonedException.Describe(run.RunId));
            }

            throw;
        }
    }

    /// <summary>
    /// The trace to continue, read before the run span starts. Best effort: when Kafka cannot be read the run starts
    /// a trace of its own and the engine's read fails the run (recorded in the run log) with the reason.
    /// </summary>
    private async Task<ActivityContext> IngestionTraceAsync(string topic, CancellationToken cancellationToken)
    {
        if (completions is null)
        {
            return default;
        }

        try
        {
            var records = await Task.Run(() => completions.ReadCompletions(topic, cancellationToken), cancellationToken);
            return JobTelemetry.IngestionTraceToContinue(records);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNoIngestionTrace(topic, ex.Message);
            return default;
        }
    }

    /// <summary>The first <see cref="Named"/> of a list the log names, and how many more there are.</summary>
    private static string NameFirst<T>(IReadOnlyList<T> items) =>
        string.Join(", ", items.Take(Named)) + (items.Count > Named ? $" and {items.Count - Named} more" : "");

    private const int Named = 10;

    /// <summary>Links the run span to the traces of the ingestions that supply its readings, oldest first (their completion records).</summary>
    private static void LinkContributingIngestions(Activity? span, CompletenessEvidence evidence)
    {
        var links = new IngestionTraceLinks(span);
        foreach (var ingestion in evidence.ContributingIngestions)
        {
            if (ingestion.TraceParent is { } traceParent)
            {
                links.Add(traceParent);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Messages} messages belong to no completed ingestion (another producer, an ingestion killed or still running): not used; first at {Samples}")]
    private partial void LogUnattributed(long messages, string samples);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Records} completion records have no valid MAC and attribute nothing (written without Pipeline:CompletionKey, with another key, or by someone else): {Named}")]
    private partial void LogUnsigned(int records, string named);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Messages} messages on {ControlTopic} are no completion record and attribute nothing (empty, or not a record the ingestor writes): offsets {Offsets}")]
    private partial void LogUnreadable(int messages, string controlTopic, string offsets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The completion records of {Topic} could not be read, the run starts a trace of its own: {Error}")]
    private partial void LogNoIngestionTrace(string topic, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job run {RunId} starting: engine {Engine}, topic {Topic}")]
    private partial void LogStarting(Guid runId, string engine, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job run succeeded: {Summary}")]
    private partial void LogSucceeded(string summary);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job run {RunId} failed, previous figures kept: {Error}")]
    private partial void LogFailed(Exception exception, Guid runId, string error);
}

/// <summary>A run failed and its failure could not be recorded either; the message gives the original cause first.</summary>
public sealed class JobFailedException(string message, Exception cause) : Exception(message, cause);

/// <summary>The job's summary line of a successful run (<see cref="JobFailureSummary"/> for a failed one).</summary>
public sealed record JobSummary(
    [property: JsonPropertyName("run_id")] Guid RunId,
    [property: JsonPropertyName("engine")] string Engine,
    [property: JsonPropertyName("readings_read")] long ReadingsRead,
    [property: JsonPropertyName("duplicates_dropped")] long DuplicatesDropped,
    [property: JsonPropertyName("invalid")] long Invalid,
    [property: JsonPropertyName("unattributed")] long Unattributed,
    [property: JsonPropertyName("unsigned_completions")] int? UnsignedCompletions,
    [property: JsonPropertyName("quarters_written")] int QuartersWritten,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("trace_id")] string? TraceId = null)
{
    /// <summary>One of the statuses every summary line shares (<see cref="SummaryStatus"/>).</summary>
    [JsonPropertyName("status")]
    [JsonPropertyOrder(-1)]
    public string Status => SummaryStatus.Succeeded;

    public string ToJson() => JsonSerializer.Serialize(this, SummaryJson.SerializerOptions);
}
