using System.Globalization;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EnergyPipeline.Tests.Job;

/// <summary>The job's stores over a fresh database of the throw-away server, plus queries written for the tests.</summary>
internal sealed class JobDatabase : IAsyncDisposable
{
    private JobDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Migrator = new SchemaMigrator(DataSource, NullLogger<SchemaMigrator>.Instance);
        Store = new QuarterlyStore(DataSource);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public SchemaMigrator Migrator { get; }

    public QuarterlyStore Store { get; }

    public static JobDatabase Open(string connectionString) => new(connectionString);

    public static async Task<JobDatabase> CreateAsync(Infrastructure.PostgresServerFixture server, string prefix) =>
        new(await server.CreateDatabaseAsync(prefix));

    public JobRunner Runner(IJobEngine engine, SparkJob.Kafka.SnapshotSource? completions = null) =>
        new(Migrator, Store, engine, NullLogger<JobRunner>.Instance, completions: completions);

    /// <summary>The local engine reading a Kafka cluster with the consumer the job registers, staging into this database.</summary>
    public LocalEngine LocalEngine(string bootstrapServers, ILogger<LocalEngine>? logger = null) =>
        LocalEngine(new LocalEngineOptions { BootstrapServers = bootstrapServers }, logger);

    public LocalEngine LocalEngine(LocalEngineOptions options, ILogger<LocalEngine>? logger = null) =>
        new(options, TestKafkaClients.SnapshotConsumers(options.BootstrapServers), Store, logger ?? NullLogger<LocalEngine>.Instance);

    /// <summary>Every column but run_id and processed_at, as PostgreSQL's text of each value, in quarter order.</summary>
    public async Task<List<string>> QuarterRowsAsTextAsync()
    {
        var columns = string.Join(" || '|' || ", EnergySchema.FigureColumns.Where(c => c != "run_id").Select(c => $"coalesce({c}::text, 'null')"));
        var rows = new List<string>();
        await using var command = DataSource.CreateCommand($"SELECT {columns} FROM quarterly_energy_data ORDER BY quarter");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    /// <summary>The expected text of a row, built from figures with invariant formatting and PostgreSQL's numeric(20,3) scale.</summary>
    public static string ExpectedText(QuarterFigures q)
    {
        static string N(decimal? value) => value is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "null";
        static string T(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return string.Join('|',
            q.Quarter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), N(q.TotalEnergyWh), q.RecordCount, q.ReadingCount, q.MissingCount,
            N(q.SubMetering1Wh), N(q.SubMetering2Wh), N(q.SubMetering3Wh), N(q.UnmeteredEnergyWh), N(q.ReactiveEnergyVarh),
            N(q.AvgVoltageV), N(q.AvgGlobalActivePowerKw), N(q.PeakGlobalActivePowerKw), T(q.FirstReadingAt), T(q.LastReadingAt));
    }

    public async Task<RunRow> RunAsync(Guid runId)
    {
        await using var command = DataSource.CreateCommand("""
            SELECT engine, status, error, readings_read, duplicates_dropped, invalid_count, quarters_written,
                   kafka_offsets::text, finished_at IS NOT NULL
            FROM pipeline_runs WHERE run_id = @run
            """);
        command.Parameters.AddWithValue("run", runId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no pipeline_runs row for {runId}");
        return new RunRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetInt64(4),
            reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt32(6),
            reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8));
    }

    /// <summary>A count or other integer; values go in as positional parameters ($1, $2, ...).</summary>
    public async Task<long> ScalarAsync(string sql, params object[] values)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Every row's columns as text; values go in as positional parameters ($1, $2, ...).</summary>
    public async Task<List<string[]>> TextRowsAsync(string sql, params object[] values)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var rows = new List<string[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)]);
        }

        return rows;
    }

    /// <summary>A text value; values go in as positional parameters ($1, $2, ...).</summary>
    public async Task<string?> TextAsync(string sql, params object[] values)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>A timestamptz value, e.g. the database's clock (<c>SELECT now()</c>), in UTC.</summary>
    public async Task<DateTime> TimestampAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();

    internal sealed record RunRow(
        string Engine, string Status, string? Error, long? ReadingsRead, long? Duplicates, long? Invalid, int? Quarters,
        string? OffsetsJson, bool Finished);
}

/// <summary>
/// An engine that stages given figures through the store, as the Spark engine stages its own through JDBC; it can
/// fail or be cancelled after staging.
/// </summary>
internal sealed class StagingEngine(QuarterlyStore store, IReadOnlyList<QuarterFigures> quarters, Exception? failAfterStaging = null) : IJobEngine
{
    public string Name => "test";

    public Guid? LastRunId { get; private set; }

    public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        LastRunId = run.RunId;
        await store.WriteStagingAsync(run.RunId, quarters, cancellationToken);
        if (failAfterStaging is not null)
        {
            throw failAfterStaging;
        }

        // Figures of one complete ingestion that wrote the readings to offsets 0..n-1 of partition 0: a new one per run.
        var readings = quarters.Sum(q => q.ReadingCount);
        var ingestion = Guid.NewGuid().ToString();
        var completion = new Messaging.IngestionCompletion(ingestion, "staged", readings, null, null,
            readings == 0 ? [] : [new Messaging.PartitionOffsetRuns(0, [new Messaging.OffsetRun(0, readings - 1)])], null, DateTimeOffset.UtcNow);
        var attribution = OffsetAttribution.From([completion]);
        return new EngineResult([new PartitionRead(0, 0, readings, readings)], readings, 0, 0)
        {
            Evidence = new CompletenessEvidence(attribution, readings == 0 ? [] : [readings], [readings]),
        };
    }
}
