using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Runs hold a lease, a heartbeat in pipeline_runs renewed with the database's clock: a run whose database restarts
/// keeps it and is never taken for dead; a run whose heartbeat goes stale while its process lives (paused) is marked
/// abandoned by the next run, then publishes nothing and records its own failure.
/// </summary>
public sealed class RunLeaseTests(PostgresServerFixture server) : IDisposable
{
    private readonly MockKafkaCluster _cluster = new();

    private List<EnergyReading> IngestReadings()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        var readings = Enumerable.Range(0, 120).Select(i => Complete(new DateTime(2009, 3, 31, 23, 0, 0).AddMinutes(i), 0.5m + i / 1000m)).ToList();
        using var ingestion = new TestIngestion(_cluster.BootstrapServers);
        readings.ForEach(ingestion.Send);
        ingestion.Complete();
        return readings;
    }

    [Fact]
    public async Task A_job_whose_database_restarts_mid_run_keeps_its_lease_a_second_job_leaves_it_alone_and_each_records_its_own_outcome()
    {
        var ct = TestContext.Current.CancellationToken;
        var readings = IngestReadings();
        // A server of this test's own: the restart must not cut the other tests' sessions.
        await using var own = new PostgresServerFixture();
        await using var db = await JobDatabase.CreateAsync(own, "restart_lease");
        var heartbeat = TimeSpan.FromSeconds(1);
        var gated = new GatedEngine(db.LocalEngine(_cluster.BootstrapServers));
        var runA = new JobRunner(db.Migrator, new QuarterlyStore(db.DataSource, runHeartbeat: heartbeat), gated, NullLogger<JobRunner>.Instance)
            .RunAsync(RawEnergyTopic.Name, ct);
        var a = await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

        await own.RestartAsync();
        db.DataSource.Clear();
        var restartedAt = await db.TimestampAsync("SELECT now()");
        // A renews its heartbeat on a fresh connection: it is alive, by the database's clock.
        await RunLogTests.WaitUntilAsync(db, "SELECT count(*) FROM pipeline_runs WHERE run_id = $1 AND heartbeat_at > $2", 1, a, restartedAt);

        var b = await new JobRunner(db.Migrator, new QuarterlyStore(db.DataSource, runHeartbeat: heartbeat), db.LocalEngine(_cluster.BootstrapServers),
            NullLogger<JobRunner>.Instance).RunAsync(RawEnergyTopic.Name, ct);

        Assert.Equal(("running", null), await StatusAndErrorAsync(db, a));
        Assert.Equal(("succeeded", null), await StatusAndErrorAsync(db, b.RunId));

        gated.Open.SetResult();
        var summaryA = await runA.WaitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(a, summaryA.RunId);
        Assert.Equal(("succeeded", null), await StatusAndErrorAsync(db, a));
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'abandoned'"));
        Assert.Equal(IndependentFigures.Of(readings).Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
    }

    [Fact]
    public async Task A_paused_job_whose_heartbeat_goes_stale_is_marked_abandoned_then_publishes_nothing_and_records_its_own_failure()
    {
        var ct = TestContext.Current.CancellationToken;
        IngestReadings();
        await using var db = await JobDatabase.CreateAsync(server, "paused_lease");
        await db.Migrator.MigrateAsync(ct);
        // Holding the publication lock keeps job A waiting inside its publish transaction.
        await using var blocker = await db.DataSource.OpenConnectionAsync(ct);
        await AdvisoryAsync(blocker, "pg_advisory_lock");

        using var jobA = ChildProcess.StartProject(
            "EnergyPipeline.SparkJob",
            new Dictionary<string, string>
            {
                ["ConnectionStrings__kafka"] = _cluster.BootstrapServers,
                ["ConnectionStrings__energy_db"] = db.ConnectionString,
                ["Pipeline__RunHeartbeat"] = RunLogTests.ShortHeartbeat.ToString(),
            },
            "--engine", "local");
        while (await db.ScalarAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 0)
        {
            Assert.False(jobA.HasExited, "job A ended before publishing");
            await Task.Delay(50, ct);
        }

        var a = Guid.Parse((await db.TextAsync("SELECT run_id::text FROM pipeline_runs WHERE status = 'running'"))!);
        jobA.Pause();
        await RunLogTests.WaitUntilHeartbeatIsStaleAsync(db, a);

        // Job B starts, marks A abandoned (its heartbeat is stale), and waits for the publication lock in turn.
        var runB = db.Runner(new StagingEngine(db.Store, [JobTestData.Quarter2007()])).RunAsync(RawEnergyTopic.Name, ct);
        await RunLogTests.WaitUntilAsync(db, "SELECT count(*) FROM pipeline_runs WHERE run_id = $1 AND status = 'abandoned'", 1, a);

        jobA.Resume();
        await AdvisoryAsync(blocker, "pg_advisory_unlock");
        var resultA = await jobA.WaitAsync(TimeSpan.FromSeconds(60));
        var b = await runB.WaitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(1, resultA.ExitCode);
        var expectedError = RunAbandonedException.Describe(a);
        Assert.Contains(expectedError, resultA.Output, StringComparison.Ordinal);
        Assert.Equal(("failed", $"{nameof(RunAbandonedException)}: {expectedError}"), await StatusAndErrorAsync(db, a));
        Assert.Equal(("succeeded", null), await StatusAndErrorAsync(db, b.RunId));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_data WHERE run_id = $1", b.RunId));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_data"));
    }

    private static async Task AdvisoryAsync(NpgsqlConnection connection, string function)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(@key)", connection);
        command.Parameters.AddWithValue("key", QuarterlyStore.PublishLockKey);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<(string Status, string? Error)> StatusAndErrorAsync(JobDatabase db, Guid runId)
    {
        var run = await db.RunAsync(runId);
        return (run.Status, run.Error);
    }

    /// <summary>The real engine, held at its start until the test opens the gate: a job in the middle of its run.</summary>
    private sealed class GatedEngine(IJobEngine inner) : IJobEngine
    {
        public TaskCompletionSource<Guid> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => inner.Name;

        public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
        {
            Entered.SetResult(run.RunId);
            await Open.Task.WaitAsync(cancellationToken);
            return await inner.RunAsync(run, cancellationToken);
        }
    }

    public void Dispose() => _cluster.Dispose();
}
