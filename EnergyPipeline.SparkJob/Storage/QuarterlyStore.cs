using System.Text.Json;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Engine;
using Npgsql;
using NpgsqlTypes;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// The job's writes to PostgreSQL: the run row, the staging rows of a run, and the publication that replaces
/// <c>quarterly_energy_data</c> with them in one transaction (readers see the old figures or the new ones).
/// </summary>
public sealed class QuarterlyStore(NpgsqlDataSource dataSource)
{
    /// <summary>Key of the transaction advisory lock that serialises publications ("EnPipPub").</summary>
    public const long PublishLockKey = 0x456E506970507562;

    private static readonly string FigureColumnList = string.Join(", ", EnergySchema.FigureColumns);

    public const string StatusRunning = "running";
    public const string StatusSucceeded = "succeeded";
    public const string StatusFailed = "failed";

    /// <summary>Records the start of a run (status running).</summary>
    public async Task StartRunAsync(JobRun run, string engine, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO {EnergySchema.RunsTable} (run_id, engine, status, started_at) VALUES (@run, @engine, @status, @started)");
        command.Parameters.AddWithValue("run", run.RunId);
        command.Parameters.AddWithValue("engine", engine);
        command.Parameters.AddWithValue("status", StatusRunning);
        command.Parameters.AddWithValue("started", run.StartedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Writes a run's figures into the staging table with binary COPY.</summary>
    public async Task WriteStagingAsync(Guid runId, IReadOnlyList<QuarterFigures> quarters, CancellationToken cancellationToken)
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
    /// succeeded with its counts, and clears its staging rows. Returns the number of quarters written.
    /// </summary>
    public async Task<int> PublishAsync(Guid runId, EngineResult result, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", PublishLockKey));

        // DELETE, not TRUNCATE: readers keep their MVCC snapshot of the old rows and are never blocked.
        await ExecuteAsync(connection, transaction, $"DELETE FROM {EnergySchema.QuarterlyTable}", cancellationToken);
        var quarters = await ExecuteAsync(connection, transaction, $"""
            INSERT INTO {EnergySchema.QuarterlyTable} ({FigureColumnList}, processed_at)
            SELECT {FigureColumnList}, now() FROM {EnergySchema.StagingTable} WHERE run_id = @run ORDER BY quarter
            """, cancellationToken, ("run", runId));
        await ExecuteAsync(connection, transaction, $"DELETE FROM {EnergySchema.StagingTable} WHERE run_id = @run",
            cancellationToken, ("run", runId));

        await using var update = new NpgsqlCommand($"""
            UPDATE {EnergySchema.RunsTable}
            SET status = @status, finished_at = now(), kafka_offsets = @offsets, readings_read = @read,
                duplicates_dropped = @duplicates, invalid_count = @invalid, quarters_written = @quarters,
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
        update.Parameters.AddWithValue("quarters", quarters);
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new InvalidOperationException($"Run {runId} is not a running run of {EnergySchema.RunsTable}: nothing published.");
        }

        await transaction.CommitAsync(cancellationToken);
        return quarters;
    }

    /// <summary>Marks a run failed with its error (and its counts when known) and clears its staging rows.</summary>
    public async Task FailRunAsync(Guid runId, string error, EngineResult? result, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand($"""
            UPDATE {EnergySchema.RunsTable}
            SET status = @status, finished_at = now(), error = @error, kafka_offsets = @offsets,
                readings_read = @read, duplicates_dropped = @duplicates, invalid_count = @invalid, quarters_written = 0
            WHERE run_id = @run AND status = @running
            """, connection, transaction);
        update.Parameters.AddWithValue("status", StatusFailed);
        update.Parameters.AddWithValue("running", StatusRunning);
        update.Parameters.AddWithValue("run", runId);
        update.Parameters.AddWithValue("error", error);
        update.Parameters.AddWithValue("offsets", NpgsqlDbType.Jsonb, result is null ? DBNull.Value : OffsetsJson(result.Partitions));
        update.Parameters.AddWithValue("read", NpgsqlDbType.Bigint, (object?)result?.ReadingsRead ?? DBNull.Value);
        update.Parameters.AddWithValue("duplicates", NpgsqlDbType.Bigint, (object?)result?.DuplicatesDropped ?? DBNull.Value);
        update.Parameters.AddWithValue("invalid", NpgsqlDbType.Bigint, (object?)result?.Invalid ?? DBNull.Value);
        await update.ExecuteNonQueryAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"DELETE FROM {EnergySchema.StagingTable} WHERE run_id = @run",
            cancellationToken, ("run", runId));
        await transaction.CommitAsync(cancellationToken);
    }

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

    private static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken,
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
