using System.Net.Sockets;
using System.Net;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EnergyPipeline.Tests.Job;

/// <summary>An honest run log against the real PostgreSQL server: killed jobs, unrecordable failures, restarts, migration 2.</summary>
public sealed class RunLogTests(PostgresServerFixture server)
{
    private static readonly QuarterFigures[] Figures =
    [
        new(new DateOnly(2007, 1, 1), 10m, 5, 6, 1, 1m, 2m, 3m, 4m, 0.5m, 240m, 1.2m, 2.5m, new DateTime(2007, 1, 1), new DateTime(2007, 3, 31, 23, 59, 0)),
    ];

    /// <summary>A short heartbeat, so that a dead run's heartbeat goes stale within seconds.</summary>
    internal static readonly TimeSpan ShortHeartbeat = TimeSpan.FromMilliseconds(300);

    // Bounded: a run that never takes the stale run over would otherwise wait for ever.
    [Fact(Timeout = 180_000)]
    public async Task A_killed_job_is_marked_abandoned_by_the_next_run_and_its_staging_rows_deleted_while_a_live_one_is_left_alone()
    {
        await using var db = await JobDatabase.CreateAsync(server, "killedjob");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);
        var store = new QuarterlyStore(db.DataSource, runHeartbeat: ShortHeartbeat);

        // What a killed job leaves: its row running, its staging rows, and a heartbeat nobody renews any more.
        var killedId = Guid.NewGuid();
        var killedLease = await store.StartRunAsync(new JobRun(killedId, "raw_energy", DateTimeOffset.UtcNow), "test", TestContext.Current.CancellationToken);
        await store.WriteStagingAsync(killedId, Figures, TestContext.Current.CancellationToken);
        await killedLease.DisposeAsync();

        var live = new BlockingEngine(store);
        using var stop = new CancellationTokenSource();
        var liveRun = new JobRunner(db.Migrator, store, live, NullLogger<JobRunner>.Instance).RunAsync("raw_energy", stop.Token);
        var liveId = await live.Staged.Task;
        await WaitUntilHeartbeatIsStaleAsync(db, killedId);

        var next = await db.Runner(new StagingEngine(db.Store, Figures)).RunAsync("raw_energy", TestContext.Current.CancellationToken);

        Assert.Equal(("abandoned", true), await StatusAsync(db, killedId));
        Assert.Contains("abandoned: its heartbeat was last renewed at", (await db.RunAsync(killedId)).Error, StringComparison.Ordinal);
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_staging WHERE run_id = $1", killedId));
        Assert.Equal(("running", false), await StatusAsync(db, liveId));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_staging WHERE run_id = $1", liveId));
        Assert.Equal("succeeded", (await db.RunAsync(next.RunId)).Status);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => liveRun);
        Assert.Equal(("failed", true), await StatusAsync(db, liveId));
    }

    // Bounded: a run that never takes the stale run over would otherwise wait for ever.
    [Fact(Timeout = 180_000)]
    public async Task A_job_process_killed_inside_its_publish_transaction_is_marked_abandoned_by_the_next_run()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics("raw_energy", 2);
        using (var ingestion = new TestIngestion(cluster.BootstrapServers))
        {
            foreach (var i in Enumerable.Range(0, 50))
            {
                ingestion.Send(JobTestData.Complete(new DateTime(2009, 5, 1).AddMinutes(i), 0.5m + i / 1000m));
            }

            ingestion.Complete();
        }

        await using var db = await JobDatabase.CreateAsync(server, "kill9");
        await db.Migrator.MigrateAsync(ct);
        // Holding the publication lock keeps the job waiting inside its publish transaction.
        await using var blocker = await db.DataSource.OpenConnectionAsync(ct);
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", blocker))
        {
            hold.Parameters.AddWithValue("key", QuarterlyStore.PublishLockKey);
            await hold.ExecuteNonQueryAsync(ct);
        }

        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(ChildProcess.ProjectOutput("EnergyPipeline.SparkJob"), "EnergyPipeline.SparkJob"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--engine", "local" },
        };
        start.Environment["ConnectionStrings__kafka"] = cluster.BootstrapServers;
        start.Environment["Pipeline__RunHeartbeat"] = ShortHeartbeat.ToString();
        start.Environment["ConnectionStrings__energy_db"] = new NpgsqlConnectionStringBuilder(db.ConnectionString) { ApplicationName = "job-to-kill" }.ConnectionString;
        using var job = System.Diagnostics.Process.Start(start)!;
        var stdout = job.StandardOutput.ReadToEndAsync(ct);
        var stderr = job.StandardError.ReadToEndAsync(ct);
        while (await db.ScalarAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 0)
        {
            if (job.HasExited)
            {
                Assert.Fail($"the job ended before publishing: {await stdout} {await stderr}");
            }

            await Task.Delay(100, ct);
        }

        var runId = Guid.Parse((await db.TextAsync("SELECT run_id::text FROM pipeline_runs WHERE status = 'running'"))!);
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_staging WHERE run_id = $1", runId));

        job.Kill(entireProcessTree: true);
        await job.WaitForExitAsync(ct);
        KilledProcessFiles.Remove(job.Id);
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", blocker))
        {
            release.Parameters.AddWithValue("key", QuarterlyStore.PublishLockKey);
            await release.ExecuteNonQueryAsync(ct);
        }

        await WaitUntilAsync(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'job-to-kill'", 0);
        Assert.Equal("running", (await db.RunAsync(runId)).Status);
        await WaitUntilHeartbeatIsStaleAsync(db, runId);

        var engine = new SparkJob.Local.LocalEngine(new SparkJob.Local.LocalEngineOptions { BootstrapServers = cluster.BootstrapServers },
            TestKafkaClients.SnapshotConsumers(cluster.BootstrapServers), db.Store, NullLogger<SparkJob.Local.LocalEngine>.Instance);
        var next = await db.Runner(engine).RunAsync("raw_energy", ct);

        Assert.Equal(("abandoned", true), await StatusAsync(db, runId));
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_staging WHERE run_id = $1", runId));
        Assert.Equal("succeeded", (await db.RunAsync(next.RunId)).Status);
        Assert.Equal(50, await db.ScalarAsync("SELECT sum(reading_count) FROM quarterly_energy_data"));
    }

    [Fact]
    public async Task A_failure_that_cannot_be_recorded_is_reported_with_the_original_cause_first()
    {
        await using var db = await JobDatabase.CreateAsync(server, "unrecordable");
        var engine = new FailingEngine(db, "the engine broke down");

        var error = await Assert.ThrowsAsync<JobFailedException>(() => db.Runner(engine).RunAsync("raw_energy", TestContext.Current.CancellationToken));

        Assert.StartsWith("InvalidOperationException: the engine broke down (recording this failure in pipeline_runs failed too: ", error.Message, StringComparison.Ordinal);
        Assert.Equal("the engine broke down", error.InnerException!.Message);
    }

    [Fact]
    public async Task Pooled_connections_killed_by_a_restart_are_replaced_and_the_run_succeeds()
    {
        await using var db = await JobDatabase.CreateAsync(server, "restart");
        await db.Runner(new StagingEngine(db.Store, Figures)).RunAsync("raw_energy", TestContext.Current.CancellationToken);
        var database = new NpgsqlConnectionStringBuilder(db.ConnectionString).Database;

        // What a restart does to the job's pool: every idle session of the database ends (57P01).
        await using (var admin = new NpgsqlConnection(server.ConnectionString()))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            await using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db", admin);
            terminate.Parameters.AddWithValue("db", database!);
            Assert.True((long)(await terminate.ExecuteScalarAsync(TestContext.Current.CancellationToken))! > 0);
        }

        var summary = await db.Runner(new StagingEngine(db.Store, Figures)).RunAsync("raw_energy", TestContext.Current.CancellationToken);

        Assert.Equal("succeeded", (await db.RunAsync(summary.RunId)).Status);
    }

    [Fact]
    public async Task A_database_server_that_never_answers_fails_the_run_naming_the_service_and_address()
    {
        // A port that accepts connections and never says a word.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Database = "energy_db", Username = "postgres", Password = "unused", Timeout = 2,
        }.ConnectionString;
        await using var db = JobDatabase.Open(connectionString);

        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(
            () => db.Runner(new StagingEngine(db.Store, Figures)).RunAsync("raw_energy", TestContext.Current.CancellationToken));

        Assert.StartsWith($"PostgreSQL (energy_db) at 127.0.0.1:{port} did not answer while migrating the schema", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("unused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migration_2_upgrades_a_version_1_database_and_keeps_its_runs()
    {
        await using var db = await JobDatabase.CreateAsync(server, "fromv1");
        var v1 = EnergySchema.Migrations.Single(m => m.Version == 1);
        await db.ExecuteAsync($"""
            CREATE TABLE schema_version (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            {v1.Sql}
            INSERT INTO schema_version (version, description) VALUES (1, 'v1');
            INSERT INTO pipeline_runs (run_id, engine, status, started_at, finished_at, readings_read)
            VALUES ('00000000-0000-0000-0000-000000000001', 'local', 'succeeded', now(), now(), 42);
            """);

        Assert.True(await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken) >= 2);

        Assert.Equal(42, await db.ScalarAsync("SELECT readings_read FROM pipeline_runs"));
        Assert.Equal(6, await db.ScalarAsync("""
            SELECT count(*) FROM information_schema.columns WHERE table_name = 'pipeline_runs'
            AND column_name IN ('topic', 'invalid_by_reason', 'invalid_samples', 'ingestion_run_ids', 'source_sha256s', 'completed_ingestion_run_ids')
            """));
        await db.ExecuteAsync("UPDATE pipeline_runs SET status = 'abandoned'");
        await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync("UPDATE pipeline_runs SET status = 'lost'"));
    }

    private static async Task<(string Status, bool Finished)> StatusAsync(JobDatabase db, Guid runId)
    {
        var run = await db.RunAsync(runId);
        return (run.Status, run.Finished);
    }

    /// <summary>Waits until the run's heartbeat is older than the abandonment threshold by the database's clock.</summary>
    internal static Task WaitUntilHeartbeatIsStaleAsync(JobDatabase db, Guid runId) => WaitUntilAsync(db,
        "SELECT count(*) FROM pipeline_runs WHERE run_id = $1 AND heartbeat_at < now() - $2 * heartbeat_interval", 1,
        runId, QuarterlyStore.MissedHeartbeatsBeforeAbandoned);

    internal static async Task WaitUntilAsync(JobDatabase db, string countQuery, long expected, params object[] values)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await db.ScalarAsync(countQuery, values) != expected)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), $"waited 1 minute for {expected} from {countQuery}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Stages its figures, says so, then works until cancelled: a job in the middle of its run.</summary>
    private sealed class BlockingEngine(QuarterlyStore store) : IJobEngine
    {
        public TaskCompletionSource<Guid> Staged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "test";

        public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
        {
            await store.WriteStagingAsync(run.RunId, Figures, cancellationToken);
            Staged.SetResult(run.RunId);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>Fails, after the run log has become unwritable (its table renamed away).</summary>
    private sealed class FailingEngine(JobDatabase db, string message) : IJobEngine
    {
        public string Name => "test";

        public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
        {
            await db.ExecuteAsync("ALTER TABLE pipeline_runs RENAME TO pipeline_runs_gone");
            throw new InvalidOperationException(message);
        }
    }
}
