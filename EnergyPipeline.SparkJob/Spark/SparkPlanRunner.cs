using System.Diagnostics;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.Telemetry;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// The job on Apache Spark: runs <see cref="SparkPlan"/> in one Spark Connect session per run. It leaves the
/// run's quarterly rows in <see cref="SparkPlan.StagingTable"/> (run_id = the run) and the cleaned readings in
/// its own directory of the HDFS raw zone; publishing the rows to quarterly_energy_data is the caller's PostgreSQL transaction.
/// The staging table must exist before the run: Spark's JDBC writer appends to it by column name (it would create a table
/// of its own types if none existed).
/// </summary>
public sealed partial class SparkPlanRunner(ILogger<SparkPlanRunner> logger, IHttpClientFactory? httpClients = null)
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    public async Task<SparkPlanResult> RunAsync(SparkEngineOptions options, Guid runId, Kafka.TopicSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inputs = SparkPlanInputs.From(options);
        var endpoint = SparkConnectionString.Parse(options.SparkConnectionString);

        using var activity = JobTelemetry.Source.StartActivity("spark engine run");
        activity?.SetTag("energy.run_id", runId.ToString());
        activity?.SetTag("server.address", endpoint.Host);
        activity?.SetTag("server.port", endpoint.Port);

        // The run id is the session id: the run's statements and temporary views are found under it in Spark's UI.
        using var session = SparkConnectSession.Connect(endpoint, runId, httpClients?.CreateClient(SparkConnectSession.HttpClientName), options.MaxStatementDuration);
        var version = await WaitUntilReadyAsync(session, options.ReadinessTimeout, cancellationToken).ConfigureAwait(false);
        LogStarting(logger, runId, endpoint.ToString(), version, inputs.ToString());

        try
        {
            await session.SqlAsync(SparkPlan.RedactCredentials, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.UseUtc, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.UseTimestampWithoutTimeZone, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.UseCorrectedTimeParser, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.DisableAnsi, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.UnescapeStringLiterals, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateKafkaSource(inputs, snapshot, options.ReadStallTimeout), cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CacheRecords, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateIngestionRunsView(snapshot.Attribution), cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateAttributedView, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateCheckedView, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateNewestCopiesView, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateReadingsView, cancellationToken).ConfigureAwait(false);

            var offsets = ReadOffsets(await session.QueryAsync(SparkPlan.QueryPartitionOffsets, cancellationToken).ConfigureAwait(false));
            var counts = await session.QueryAsync(SparkPlan.QueryCounts, cancellationToken).ConfigureAwait(false);
            if (counts.Count != 1)
            {
                throw new SparkConnectException(SparkPlan.QueryCounts.Name, $"expected one row of counts, got {counts.Count}");
            }

            var invalidByReason = ReadInvalidReasons(await session.QueryAsync(SparkPlan.QueryInvalidReasons, cancellationToken).ConfigureAwait(false));
            var attribution = snapshot.Attribution;
            var winning = Counts(await session.QueryAsync(SparkPlan.QueryWinningCopies, cancellationToken).ConfigureAwait(false),
                "ingestion", "copies", attribution.Ingestions.Count);
            var present = Counts(await session.QueryAsync(SparkPlan.QueryRunPresence, cancellationToken).ConfigureAwait(false),
                "run_index", "present", attribution.Runs.Count);
            var unattributed = await session.QueryAsync(SparkPlan.QueryUnattributed, cancellationToken).ConfigureAwait(false);

            var result = new SparkPlanResult(
                version,
                offsets,
                ReadingsRead: counts.Get<long>(0, "readings_read"),
                Invalid: counts.Get<long>(0, "invalid"),
                DuplicatesDropped: counts.Get<long>(0, "duplicates_dropped"),
                Readings: counts.Get<long>(0, "readings"),
                Quarters: checked((int)counts.Get<long>(0, "quarters")),
                inputs.RunRawZoneUri(runId),
                invalidByReason)
            {
                Evidence = new Runs.CompletenessEvidence(attribution, present, winning),
                Unattributed = unattributed.Count == 0 ? 0 : unattributed.Get<long>(0, "messages"),
                UnattributedSamples = Enumerable.Range(0, unattributed.Count).Select(i => new Runs.UnattributedMessage(
                    unattributed.Get<int>(i, "kafka_partition"), unattributed.Get<long>(i, "kafka_offset"),
                    Runs.UnattributedMessage.Cut(unattributed.Value(i, "reading_key") as string))).ToList(),
            };
            LogRead(logger, runId, result.ReadingsRead, result.Unattributed, result.Invalid, result.DuplicatesDropped, result.Readings, result.Quarters);
            foreach (var reason in invalidByReason)
            {
                LogInvalidReason(logger, runId, reason.Reason, reason.Messages,
                    string.Join(", ", reason.Samples.Select(s => $"{s.Partition}:{s.Offset}")));
            }

            var stopwatch = Stopwatch.StartNew();
            await session.WriteAsync(SparkPlan.RawZoneWrite(inputs, runId), cancellationToken).ConfigureAwait(false);
            LogRawZoneWritten(logger, runId, result.RawZoneUri, stopwatch.Elapsed.TotalSeconds);

            stopwatch.Restart();
            await session.WriteAsync(SparkPlan.StagingWrite(inputs, runId), cancellationToken).ConfigureAwait(false);
            LogStaged(logger, runId, result.Quarters, SparkPlan.StagingTable, stopwatch.Elapsed.TotalSeconds);
            return result;
        }
        finally
        {
            await ReleaseCacheAsync(session, runId, cancellationToken).ConfigureAwait(false);
        }
    }

    // A Connect server that is still starting refuses connections (Unavailable); anything else is a real answer.
    private static async Task<string> WaitUntilReadyAsync(SparkConnectSession session, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await session.SparkVersionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SparkConnectException ex) when (ex.StatusCode == Grpc.Core.StatusCode.Unavailable && deadline.Elapsed < timeout)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static IReadOnlyList<PartitionOffsets> ReadOffsets(SparkRows rows)
    {
        var offsets = new List<PartitionOffsets>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            offsets.Add(new PartitionOffsets(
                rows.Get<int>(i, "kafka_partition"),
                rows.Get<long>(i, "min_offset"),
                rows.Get<long>(i, "max_offset"),
                rows.Get<long>(i, "records")));
        }

        return offsets;
    }

    /// <summary>Rows of <see cref="SparkPlan.QueryInvalidReasons"/> (one per sample, ordered by reason) as counts with samples.</summary>
    internal static IReadOnlyList<InvalidReasonCount> ReadInvalidReasons(SparkRows rows)
    {
        var reasons = new List<InvalidReasonCount>();
        for (var i = 0; i < rows.Count;)
        {
            var reason = rows.Get<string>(i, "invalid_reason");
            var messages = rows.Get<long>(i, "messages");
            var samples = new List<InvalidMessage>();
            for (; i < rows.Count && rows.Get<string>(i, "invalid_reason") == reason; i++)
            {
                samples.Add(new InvalidMessage(rows.Get<int>(i, "kafka_partition"), rows.Get<long>(i, "kafka_offset"), reason));
            }

            reasons.Add(new InvalidReasonCount(reason, messages, samples));
        }

        // In the validity rules' order, as the local engine reports them.
        return reasons.OrderBy(r => ReadingValidity.Rules.Select(rule => rule.Reason).ToList().IndexOf(r.Reason)).ToList();
    }

    /// <summary>Rows of (number, count) as an array of <paramref name="size"/> counts indexed by number (0 where no row).</summary>
    internal static long[] Counts(SparkRows rows, string number, string count, int size)
    {
        var counts = new long[size];
        for (var i = 0; i < rows.Count; i++)
        {
            var at = rows.Get<int>(i, number);
            counts[at >= 0 && at < size ? at : throw new InvalidOperationException($"Spark answered {number} {at}; the plan numbered 0 to {size - 1}.")] =
                rows.Get<long>(i, count);
        }

        return counts;
    }

    // The cached snapshot of the topic holds executor memory until released; a cancelled run still releases it.
    private async Task ReleaseCacheAsync(SparkConnectSession session, Guid runId, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await session.SqlAsync(SparkPlan.UncacheRecords, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SparkConnectException or OperationCanceledException)
        {
            LogCleanupFailed(logger, ex, runId, cancellationToken.IsCancellationRequested);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Spark run {RunId}: Spark {SparkVersion} at {Endpoint}; {Inputs}")]
    private static partial void LogStarting(ILogger logger, Guid runId, string endpoint, string sparkVersion, string inputs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spark run {RunId}: {ReadingsRead} records of completed ingestions read ({Unattributed} of none), {Invalid} invalid, {DuplicatesDropped} duplicates dropped, {Readings} readings in {Quarters} quarters")]
    private static partial void LogRead(ILogger logger, Guid runId, long readingsRead, long unattributed, long invalid, long duplicatesDropped, long readings, int quarters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spark run {RunId}: {Messages} invalid messages for {Reason}, first at partition:offset {Samples}")]
    private static partial void LogInvalidReason(ILogger logger, Guid runId, string reason, long messages, string samples);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spark run {RunId}: raw zone {RawZone} written in {Seconds:0.0} s")]
    private static partial void LogRawZoneWritten(ILogger logger, Guid runId, string rawZone, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spark run {RunId}: {Quarters} quarterly rows appended to {StagingTable} in {Seconds:0.0} s")]
    private static partial void LogStaged(ILogger logger, Guid runId, int quarters, string stagingTable, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spark run {RunId}: releasing the cached topic snapshot failed (run cancelled: {Cancelled}); Spark frees it with the session")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, Guid runId, bool cancelled);
}
