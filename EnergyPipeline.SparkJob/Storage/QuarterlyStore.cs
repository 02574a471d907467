using System.Text.Json;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// The job's writes to PostgreSQL: the run row, the staging rows of a run, and the publication that replaces
/// <c>quarterly_energy_data</c> with them in one transaction (readers see the old figures or the new ones).
/// Each live run holds a lease (<see cref="RunLease"/>): it renews <c>heartbeat_at</c> in its row every
/// <paramref name="runHeartbeat"/>, so a run that starts can tell a run that died (killed, or cut off from the database
/// for long) from one still working, by the database's clock, and mark it abandoned.
/// </summary>
public sealed partial class QuarterlyStore(NpgsqlDataSource dataSource, ILogger<QuarterlyStore>? logger = null, TimeSpan? runHeartbeat = null)
{
    /// <summary>How often a live run renews its heartbeat when not told otherwise (<c>Pipeline:RunHeartbeat</c>).</summary>
    public static readonly TimeSpan DefaultRunHeartbeat = TimeSpan.FromSeconds(10);

    /// <summary>Heartbeat intervals a run's heartbeat must be older than, by the database's clock, before another run may mark it abandoned.</summary>
    public const int MissedHeartbeatsBeforeAbandoned = 6;

    /// <summary>
    /// First key of the session advisory lock runs of earlier versions of the job held ("EnRu"; the second is
    /// hashtext(run id)): a running row without a heartbeat is abandoned when that lock is free.
    /// </summary>
    public const int RunLockNamespace = 0x456E5275;

    private readonly TimeSpan _runHeartbeat = runHeartbeat ?? DefaultRunHeartbeat;

    public const string StatusAbandoned = "abandoned";

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly DatabaseRetry _retry = new(dataSource);

    /// <summary>Key of the transaction advisory lock that serialises publications ("EnPipPub").</summary>
    public const long PublishLockKey = 0x456E506970507562;

    private static readonly string FigureColumnList = string.Join(", ", EnergySchema.FigureColumns);

    public const string StatusRunning = "running";
    public const string StatusSucceeded = "succeeded";
    public const string StatusFailed = "failed";

    /// <summary>
    /// Records the start of a run (status running, heartbeat now), after marking every running run whose heartbeat is
    /// stale as abandoned, and starts renewing its heartbeat. Dispose the lease when the run's outcome is recorded.
    /// </summary>
    public async Task<RunLease> StartRunAsync(JobRun run, string engine, CancellationToken cancellationToken)
    {
        await AbandonDeadRunsAsync(cancellationToken);
        await _retry.RunAsync("recording the run's start", async ct =>
        {
            await using var command = RunRowInsert($"""
                INSERT INTO {EnergySchema.RunsTable} (run_id, engine, status, started_at, topic, heartbeat_at, heartbeat_interval)
                VALUES (@run, @engine, @status, @started, @topic, now(), @interval)
                """, run, engine, StatusRunning);
            command.Parameters.AddWithValue("interval", _runHeartbeat);
            await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
        return RunLease.Start(this, run.RunId, _runHeartbeat, _logger);
    }

    /// <summary>
    /// Records a run that failed before it started its work (its pre-flight check): one row, <c>failed</c> from the
    /// start with its error and finish time, never <c>running</c>, so no later run has to abandon it.
    /// </summary>
    public Task RecordFailedStartAsync(JobRun run, string engine, string error, CancellationToken cancellationToken) =>
        _retry.RunAsync("recording the failed start", async ct =>
        {
            await using var command = RunRowInsert($"""
                INSERT INTO {EnergySchema.RunsTable} (run_id, engine, status, started_at, finished_at, topic, quarters_written, error)
                VALUES (@run, @engine, @status, @started, now(), @topic, 0, @error)
                """, run, engine, StatusFailed);
            command.Parameters.AddWithValue("error", error);
            await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

    /// <summary>An INSERT of a run's row, with its id, engine, status, start and topic given as @run, @engine, @status, @started and @topic.</summary>
    private NpgsqlCommand RunRowInsert(string sql, JobRun run, string engine, string status)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("run", run.RunId);
        command.Parameters.AddWithValue("engine", engine);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("started", run.StartedAt);
        command.Parameters.AddWithValue("topic", run.Topic);
        return command;
    }

    /// <summary>
    /// Renews a running run's heartbeat. Returns the run's status when it is no longer running (abandoned by another
    /// run, or its outcome recorded), else null.
    /// </summary>
    internal Task<string?> RenewHeartbeatAsync(Guid runId, CancellationToken cancellationToken) => _retry.RunAsync("renewing the run's heartbeat", async ct =>
    {
        await using var command = dataSource.CreateCommand($"""
            WITH renewed AS (
                UPDATE {EnergySchema.RunsTable} SET heartbeat_at = now() WHERE run_id = @run AND status = @running RETURNING status
            )
            SELECT status FROM renewed UNION ALL SELECT status FROM {EnergySchema.RunsTable} WHERE run_id = @run AND NOT EXISTS (SELECT 1 FROM renewed)
            """);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("running", StatusRunning);
        var status = (string?)await command.ExecuteScalarAsync(ct);
        return status == StatusRunning ? null : status ?? "missing";
    }, cancellationToken);

    /// <summary>
    /// Marks every running run whose heartbeat is older than <see cref="MissedHeartbeatsBeforeAbandoned"/> of its own
    /// intervals by the database's clock (its process is gone, or has been cut off from the database that long) as
    /// abandoned, with the time, and deletes its staging rows. A running row without a heartbeat (a run of an earlier
    /// version of the job) is abandoned when that version's session advisory lock is free. Returns their ids.
    /// </summary>
    public Task<List<Guid>> AbandonDeadRunsAsync(CancellationToken cancellationToken) => _retry.RunAsync("marking abandoned runs", async ct =>
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var abandoned = new List<Guid>();
        await using (var update = new NpgsqlCommand($"""
            UPDATE {EnergySchema.RunsTable}
            SET status = @abandoned, finished_at = now(),
                error = CASE WHEN heartbeat_at IS NULL
                    THEN 'abandoned: the run''s process ended without recording an outcome (killed, or cut off from the database); noticed by a later run'
                    ELSE 'abandoned: its heartbeat was last renewed at ' || heartbeat_at || ', more than ' || @missed || ' intervals of '
                        || heartbeat_interval || ' before ' || now() || ' by the database''s clock (its process ended, or lost the database that long); noticed by a later run'
                END
            WHERE status = @running
              AND (heartbeat_at < now() - @missed * heartbeat_interval
                   OR (heartbeat_at IS NULL AND pg_try_advisory_xact_lock(@ns, hashtext(run_id::text))))
            RETURNING run_id
            """, connection, transaction))
        {
            update.Parameters.AddWithValue("abandoned", StatusAbandoned);
            update.Parameters.AddWithValue("running", StatusRunning);
            update.Parameters.AddWithValue("missed", MissedHeartbeatsBeforeAbandoned);
            update.Parameters.AddWithValue("ns", RunLockNamespace);
            await using var reader = await update.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                abandoned.Add(reader.GetGuid(0));
            }
        }

        if (abandoned.Count > 0)
        {
            await ExecuteAsync(connection, transaction, $"DELETE FROM {EnergySchema.StagingTable} WHERE run_id = ANY(@runs)", ct, ("runs", abandoned.ToArray()));
        }

        await transaction.CommitAsync(ct);
        foreach (var runId in abandoned)
        {
            LogAbandoned(runId);
        }

        return abandoned;
    }, cancellationToken);

    /// <summary>Writes a run's figures into the staging table with binary COPY.</summary>
    public Task WriteStagingAsync(Guid runId, IReadOnlyList<QuarterFigures> quarters, CancellationToken cancellationToken) =>
        _retry.RunAsync("writing the staging rows", async ct =>
        {
            // A retry starts over: rows a broken first attempt may have committed are replaced.
            await using var clear = dataSource.CreateCommand($"DELETE FROM {EnergySchema.StagingTable} WHERE run_id = @run");
            clear.Parameters.AddWithValue("run", runId);
            await clear.ExecuteNonQueryAsync(ct);
            await CopyStagingAsync(runId, quarters, ct);
        }, cancellationToken);

    private async Task CopyStagingAsync(Guid runId, IReadOnlyList<QuarterFigures> quarters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {EnergySchema.StagingTable} ({FigureColumnList}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var q in quarters)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(q.Quarter, NpgsqlDbType.Date, cancellationToken);
            await writer.WriteAsync(q.TotalEnergyWh, NpgsqlDbType.Numeric, cancellationToken);
            await writer.WriteAsync(q.RecordCount, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(q.ReadingCount, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(q.MissingCount, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(q.SubMetering1Wh, NpgsqlDbType.Numeric, cancellationToken);
            await writer.WriteAsync(q.SubMetering2Wh, NpgsqlDbType.Numeric, cancellationToken);
            await writer.WriteAsync(q.SubMetering3Wh, NpgsqlDbType.Numeric, cancellationToken);
            await writer.WriteAsync(q.UnmeteredEnergyWh, NpgsqlDbType.Numeric, cancellationToken);
            await writer.WriteAsync(q.ReactiveEnergyVarh, NpgsqlDbType.Numeric, cancellationToken);
            await WriteNullableAsync(writer, q.AvgVoltageV, cancellationToken);
            await WriteNullableAsync(writer, q.AvgGlobalActivePowerKw, cancellationToken);
            await WriteNullableAsync(writer, q.PeakGlobalActivePowerKw, cancellationToken);
            await writer.WriteAsync(q.FirstReadingAt, NpgsqlDbType.Timestamp, cancellationToken);
            await writer.WriteAsync(q.LastReadingAt, NpgsqlDbType.Timestamp, cancellationToken);
            await writer.WriteAsync(runId, NpgsqlDbType.Uuid, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// In one transaction: replaces every row of <c>quarterly_energy_data</c> with the run's staging rows (quarters absent
    /// from the run disappear: the table equals the run's result, since a run reads the whole topic), marks the run
    /// succeeded with its counts, invalid messages and lineage, and clears its staging rows. Returns the number of
    /// quarters written. Refuses (<see cref="NewerSnapshotPublishedException"/>, nothing changed) when the published
    /// figures come from a newer snapshot of the same incarnation of the topic.
    /// </summary>
    public Task<int> PublishAsync(Guid runId, EngineResult result, CancellationToken cancellationToken) =>
        _retry.RunAsync("publishing the quarterly figures", ct => PublishOnceAsync(runId, result, ct), cancellationToken);

    private async Task<int> PublishOnceAsync(Guid runId, EngineResult result, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", PublishLockKey));
        await CheckStillRunningAsync(connection, transaction, runId, cancellationToken);
        await CheckNoNewerSnapshotPublishedAsync(connection, transaction, runId, result, cancellationToken);

        // DELETE, not TRUNCATE: readers keep their MVCC snapshot of the old rows and are never blocked.
        await ExecuteAsync(connection, transaction, $"DELETE FROM {EnergySchema.QuarterlyTable}", cancellationToken);
        var quarters = await ExecuteAsync(connection, transaction, $"""
            INSERT INTO {EnergySchema.QuarterlyTable} ({FigureColumnList}, processed_at)
            SELECT {FigureColumnList}, now() FROM {EnergySchema.StagingTable} WHERE run_id = @run ORDER BY quarter
            """, cancellationToken, ("run", runId));
        await ExecuteAsync(connection, transaction, $"DELETE FROM {EnergySchema.StagingTable} WHERE run_id = @run",
            cancellationToken, ("run", runId));

        var lineage = result.Evidence.ContributingIngestions;
        await using var update = new NpgsqlCommand($"""
            UPDATE {EnergySchema.RunsTable}
            SET status = @status, finished_at = now(), kafka_offsets = @offsets, readings_read = @read,
                duplicates_dropped = @duplicates, invalid_count = @invalid, unattributed_count = @unattributed, quarters_written = @quarters,
                unsigned_completions = @unsigned, invalid_by_reason = @reasons, invalid_samples = @samples,
                ingestion_run_ids = @ingestions, source_sha256s = @sources, completed_ingestion_run_ids = @completed,
                ingestion_malformed_lines = @ingestionMalformed, malformed_lines = @malformed, malformed_by_reason = @malformedReasons,
                raw_zone_uri = @rawZone
            WHERE run_id = @run AND status = @running
            """, connection, transaction);
        // The published run's raw zone becomes the current one in the same transaction as its figures.
        update.Parameters.AddWithValue("rawZone", NpgsqlDbType.Text, (object?)result.RawZoneUri ?? DBNull.Value);
        update.Parameters.AddWithValue("status", StatusSucceeded);
        update.Parameters.AddWithValue("running", StatusRunning);
        update.Parameters.AddWithValue("run", runId);
        update.Parameters.AddWithValue("offsets", NpgsqlDbType.Jsonb, OffsetsJson(result.Partitions));
        update.Parameters.AddWithValue("read", result.ReadingsRead);
        update.Parameters.AddWithValue("duplicates", result.DuplicatesDropped);
        update.Parameters.AddWithValue("invalid", result.Invalid);
        update.Parameters.AddWithValue("unattributed", result.Unattributed);
        update.Parameters.AddWithValue("unsigned", NpgsqlDbType.Integer, (object?)result.UnsignedCompletions?.Count ?? DBNull.Value);
        update.Parameters.AddWithValue("quarters", quarters);
        update.Parameters.AddWithValue("reasons", NpgsqlDbType.Jsonb, ReasonsJson(result.InvalidByReason));
        update.Parameters.AddWithValue("samples", NpgsqlDbType.Jsonb, SamplesJson(result.InvalidByReason));
        update.Parameters.AddWithValue("ingestions", lineage.Select(c => c.RunId).ToArray());
        update.Parameters.AddWithValue("sources", lineage.Select(c => c.SourceSha256).Distinct().ToArray());
        update.Parameters.AddWithValue("completed", result.Evidence.Attribution.Ingestions.Select(c => c.RunId).ToArray());
        update.Parameters.AddWithValue("ingestionMalformed", NpgsqlDbType.Array | NpgsqlDbType.Bigint, lineage.Select(c => c.MalformedLines).ToArray());
        update.Parameters.AddWithValue("malformed", lineage.Sum(c => c.MalformedLines ?? 0));
        update.Parameters.AddWithValue("malformedReasons", NpgsqlDbType.Jsonb, MalformedReasonsJson(lineage));
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new InvalidOperationException($"Run {runId} is not a running run of {EnergySchema.RunsTable}: nothing published.");
        }

        await transaction.CommitAsync(cancellationToken);
        return quarters;
    }

    /// <summary>
    /// Locks the run's row for the publishing transaction; a run another run marked abandoned never publishes.
    /// </summary>
    private static async Task CheckStillRunningAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid runId, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand($"SELECT status FROM {EnergySchema.RunsTable} WHERE run_id = @run FOR UPDATE", connection, transaction);
        query.Parameters.AddWithValue("run", runId);
        if ((string?)await query.ExecuteScalarAsync(cancellationToken) is StatusAbandoned)
        {
            throw new RunAbandonedException(RunAbandonedException.Describe(runId));
        }
    }

    /// <summary><c>{"reason": lines, ...}</c>: the malformed lines of the ingestions the figures come from, summed per reason.</summary>
    public static string MalformedReasonsJson(IEnumerable<Messaging.IngestionCompletion> ingestions) =>
        JsonSerializer.Serialize(ingestions
            .SelectMany(c => c.MalformedByReason ?? new Dictionary<string, long>())
            .GroupBy(r => r.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(r => r.Value)));

    /// <summary>
    /// The figures in place come from a run of the same topic; when either run's newest completion record is among the
    /// other's (the control topic is compacted by run id, so it only grows), both read one incarnation of the topic and
    /// the published end offsets must not pass this run's. Otherwise the topic was recreated or reset since (a new
    /// cluster, a restarted embedded broker): publish, and say so.
    /// </summary>
    private async Task CheckNoNewerSnapshotPublishedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid runId, EngineResult result, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand($"""
            SELECT published.run_id, published.kafka_offsets::text, published.completed_ingestion_run_ids, published.topic
            FROM {EnergySchema.RunsTable} published
            JOIN {EnergySchema.RunsTable} me ON me.run_id = @run
            WHERE published.run_id = (SELECT run_id FROM {EnergySchema.QuarterlyTable} LIMIT 1)
              AND published.topic = me.topic
            """, connection, transaction);
        query.Parameters.AddWithValue("run", runId);
        Guid publishedRun;
        string? offsetsJson;
        string[]? publishedCompletions;
        string topic;
        await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return;
            }

            publishedRun = reader.GetGuid(0);
            offsetsJson = reader.IsDBNull(1) ? null : reader.GetString(1);
            publishedCompletions = reader.IsDBNull(2) ? null : reader.GetFieldValue<string[]>(2);
            topic = reader.GetString(3);
        }

        if (publishedCompletions is not { Length: > 0 } || offsetsJson is null)
        {
            return;
        }

        var completions = result.Evidence.Attribution.Ingestions;
        var mineCompleted = completions.Select(c => c.RunId).ToHashSet(StringComparer.Ordinal);
        var sameIncarnation = mineCompleted.Contains(publishedCompletions[^1])
            || (mineCompleted.Count > 0 && publishedCompletions.Contains(completions[^1].RunId));
        if (!sameIncarnation)
        {
            LogTopicReset(topic, publishedRun, publishedCompletions[^1]);
            return;
        }

        var mine = result.Partitions.ToDictionary(p => p.Partition, p => p.EndOffset);
        var newer = JsonSerializer.Deserialize<List<Dictionary<string, long>>>(offsetsJson)!
            .Select(p => (Partition: (int)p["partition"], End: p["end_offset"]))
            .Where(p => p.End > mine.GetValueOrDefault(p.Partition))
            .ToList();
        if (newer.Count > 0)
        {
            throw new NewerSnapshotPublishedException(
                $"The figures in place come from a newer snapshot of {topic} (run {publishedRun}): " +
                string.Join(", ", newer.Select(p => $"partition {p.Partition} read to offset {p.End}, this run only to {mine.GetValueOrDefault(p.Partition)}")) +
                ". Nothing was changed; run the job again to include everything.");
        }
    }

    /// <summary>
    /// Marks a run failed with its own error (and its counts when known) and clears its staging rows: a run that was
    /// marked abandoned while alive records its own outcome over that mark.
    /// </summary>
    public Task FailRunAsync(Guid runId, string error, EngineResult? result, CancellationToken cancellationToken) =>
        _retry.RunAsync("recording the failure", async ct =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var update = new NpgsqlCommand($"""
                UPDATE {EnergySchema.RunsTable}
                SET status = @status, finished_at = now(), error = @error, kafka_offsets = @offsets,
                    readings_read = @read, duplicates_dropped = @duplicates, invalid_count = @invalid, unattributed_count = @unattributed, quarters_written = 0,
                    unsigned_completions = @unsigned, invalid_by_reason = @reasons, invalid_samples = @samples
                WHERE run_id = @run AND status IN (@running, @abandoned)
                """, connection, transaction);
            update.Parameters.AddWithValue("status", StatusFailed);
            update.Parameters.AddWithValue("running", StatusRunning);
            update.Parameters.AddWithValue("abandoned", StatusAbandoned);
            update.Parameters.AddWithValue("run", runId);
            update.Parameters.AddWithValue("error", error);
            update.Parameters.AddWithValue("offsets", NpgsqlDbType.Jsonb, result is null ? DBNull.Value : OffsetsJson(result.Partitions));
            update.Parameters.AddWithValue("read", NpgsqlDbType.Bigint, (object?)result?.ReadingsRead ?? DBNull.Value);
            update.Parameters.AddWithValue("duplicates", NpgsqlDbType.Bigint, (object?)result?.DuplicatesDropped ?? DBNull.Value);
            update.Parameters.AddWithValue("invalid", NpgsqlDbType.Bigint, (object?)result?.Invalid ?? DBNull.Value);
            update.Parameters.AddWithValue("unattributed", NpgsqlDbType.Bigint, (object?)result?.Unattributed ?? DBNull.Value);
            update.Parameters.AddWithValue("unsigned", NpgsqlDbType.Integer, (object?)result?.UnsignedCompletions?.Count ?? DBNull.Value);
            update.Parameters.AddWithValue("reasons", NpgsqlDbType.Jsonb, result is null ? DBNull.Value : ReasonsJson(result.InvalidByReason));
            update.Parameters.AddWithValue("samples", NpgsqlDbType.Jsonb, result is null ? DBNull.Value : SamplesJson(result.InvalidByReason));
            await update.ExecuteNonQueryAsync(ct);
            await ExecuteAsync(connection, transaction, $"DELETE FROM {EnergySchema.StagingTable} WHERE run_id = @run",
                ct, ("run", runId));
            await transaction.CommitAsync(ct);
        }, cancellationToken);

    /// <summary><c>{"reason": count, ...}</c>, in the validity rules' order.</summary>
    public static string ReasonsJson(IReadOnlyList<InvalidReasonCount> reasons) =>
        JsonSerializer.Serialize(reasons.ToDictionary(r => r.Reason, r => r.Messages));

    /// <summary><c>[{"partition":0,"offset":12,"reason":"..."}, ...]</c>: the bounded samples of every reason.</summary>
    public static string SamplesJson(IReadOnlyList<InvalidReasonCount> reasons) =>
        JsonSerializer.Serialize(reasons.SelectMany(r => r.Samples).Select(s => new Dictionary<string, object>
        {
            ["partition"] = s.Partition,
            ["offset"] = s.Offset,
            ["reason"] = s.Reason,
        }));

    /// <summary><c>[{"partition":0,"start_offset":0,"end_offset":123,"messages":123}, ...]</c>, in partition order.</summary>
    public static string OffsetsJson(IReadOnlyList<PartitionRead> partitions) =>
        JsonSerializer.Serialize(partitions.OrderBy(p => p.Partition).Select(p => new Dictionary<string, long>
        {
            ["partition"] = p.Partition,
            ["start_offset"] = p.StartOffset,
            ["end_offset"] = p.EndOffset,
            ["messages"] = p.Messages,
        }));

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter writer, decimal? value, CancellationToken cancellationToken)
    {
        if (value is { } v)
        {
            await writer.WriteAsync(v, NpgsqlDbType.Numeric, cancellationToken);
        }
        else
        {
            await writer.WriteNullAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} was abandoned (its process ended without recording an outcome): marked abandoned, staging rows deleted")]
    private partial void LogAbandoned(Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Topic {Topic} was reset since run {PublishedRun} published (its newest ingestion {Ingestion} is no longer in the topic): publishing over its figures")]
    private partial void LogTopicReset(string topic, Guid publishedRun, string ingestion);

    private static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The published figures come from a newer snapshot of the topic: this run changed nothing.</summary>
public sealed class NewerSnapshotPublishedException(string message) : InvalidOperationException(message);
