using System.Diagnostics;
using EnergyPipeline.SparkJob.SparkConnect;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// The job on Apache Spark: runs <see cref="SparkPlan"/> in one Spark Connect session per run. It leaves the
/// run's quarterly rows in <see cref="SparkPlan.StagingTable"/> (run_id = the run) and the cleaned readings in
/// its own directory of the HDFS raw zone; publishing the rows to quarterly_energy_data is the caller's PostgreSQL transaction.
/// The staging table must exist before the run: Spark's JDBC writer appends to it by column name (it would create a table
/// of its own types if none existed).
/// </summary>
public sealed partial class SparkEngine(ILogger<SparkEngine> logger, IHttpClientFactory? httpClients = null)
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    public async Task<SparkEngineResult> RunAsync(SparkEngineOptions options, Guid runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inputs = SparkPlanInputs.From(options);
        var endpoint = SparkConnectionString.Parse(options.SparkConnectionString);

        using var activity = SparkJobTelemetry.Source.StartActivity("spark engine run");
        activity?.SetTag("energy.run_id", runId.ToString());
        activity?.SetTag("server.address", endpoint.Host);
        activity?.SetTag("server.port", endpoint.Port);

        // The run id is the session id: the run's statements and temporary views are found under it in Spark's UI.
        using var session = SparkConnectSession.Connect(endpoint, runId, httpClients?.CreateClient(SparkConnectSession.HttpClientName));
        var version = await WaitUntilReadyAsync(session, options.ReadinessTimeout, cancellationToken).ConfigureAwait(false);
        LogStarting(logger, runId, endpoint.ToString(), version, inputs.ToString());

        try
        {
            await session.SqlAsync(SparkPlan.RedactCredentials, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.UseUtc, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.UseTimestampWithoutTimeZone, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateKafkaSource(inputs), cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CacheRecords, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateCheckedView, cancellationToken).ConfigureAwait(false);
            await session.SqlAsync(SparkPlan.CreateReadingsView, cancellationToken).ConfigureAwait(false);

            var offsets = ReadOffsets(await session.QueryAsync(SparkPlan.QueryPartitionOffsets, cancellationToken).ConfigureAwait(false));
            var counts = await session.QueryAsync(SparkPlan.QueryCounts, cancellationToken).ConfigureAwait(false);
            if (counts.Count != 1)
            {
                throw new SparkConnectException(SparkPlan.QueryCounts.Name, $"expected one row of counts, got {counts.Count}");
            }

            var traceParents = await session.QueryAsync(SparkPlan.QueryTraceParents, cancellationToken).ConfigureAwait(false);
            var ingestionTraces = Enumerable.Range(0, traceParents.Count).Select(i => traceParents.Get<string>(i, "trace_parent")).ToList();
            LinkIngestionTraces(activity, ingestionTraces);

            var result = new SparkEngineResult(
                version,
                offsets,
                ReadingsRead: counts.Get<long>(0, "readings_read"),
                Invalid: counts.Get<long>(0, "invalid"),
                DuplicatesDropped: counts.Get<long>(0, "duplicates_dropped"),
                Readings: counts.Get<long>(0, "readings"),
                Quarters: checked((int)counts.Get<long>(0, "quarters")),
                inputs.RunRawZoneUri(runId),
                ingestionTraces);
            LogRead(logger, runId, result.ReadingsRead, result.Invalid, result.DuplicatesDropped, result.Readings, result.Quarters);

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

    private static void LinkIngestionTraces(Activity? activity, IEnumerable<string> traceParents)
    {
        if (activity is null)
        {
            return;
        }

        foreach (var traceParent in traceParents)
        {
            if (ActivityContext.TryParse(traceParent, null, out var context))
            {
                activity.AddLink(new ActivityLink(context));
            }
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Spark run {RunId}: {ReadingsRead} records read, {Invalid} invalid, {DuplicatesDropped} duplicates dropped, {Readings} readings in {Quarters} quarters")]
    private static partial void LogRead(ILogger logger, Guid runId, long readingsRead, long invalid, long duplicatesDropped, long readings, int quarters);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spark run {RunId}: raw zone {RawZone} written in {Seconds:0.0} s")]
    private static partial void LogRawZoneWritten(ILogger logger, Guid runId, string rawZone, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spark run {RunId}: {Quarters} quarterly rows appended to {StagingTable} in {Seconds:0.0} s")]
    private static partial void LogStaged(ILogger logger, Guid runId, int quarters, string stagingTable, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spark run {RunId}: releasing the cached topic snapshot failed (run cancelled: {Cancelled}); Spark frees it with the session")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, Guid runId, bool cancelled);
}
