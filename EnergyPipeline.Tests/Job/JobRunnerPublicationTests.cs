using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using Npgsql;

namespace EnergyPipeline.Tests.Job;

/// <summary>The runner's publication under interference from outside the run: a run stopped by someone else, another publisher.</summary>
public sealed class JobRunnerPublicationTests(PostgresServerFixture server)
{
    [Fact]
    public async Task A_run_marked_failed_by_someone_else_while_it_computes_publishes_nothing()
    {
        await using var db = await JobDatabase.CreateAsync(server, "runner_stopped");
        await db.Runner(new StagingEngine(db.Store, [PublicationLockTests.Figures(2007, 1, 1m), PublicationLockTests.Figures(2007, 4, 2m)]))
            .RunAsync("raw_energy", CancellationToken.None);
        var before = await db.QuarterRowsAsTextAsync();
        // E.g. an operator or a stale-run sweep marks the run failed (which clears its staging rows) before it publishes.
        var stopped = new StoppedByOthersEngine(db.Store, [PublicationLockTests.Figures(2010, 1, 3m)]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.Runner(stopped).RunAsync("raw_energy", CancellationToken.None));

        Assert.Contains("not a running run", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        Assert.Equal(("failed", "stopped by an operator"), ((await db.RunAsync(stopped.RunId)).Status, (await db.RunAsync(stopped.RunId)).Error));
    }

    [Fact]
    public async Task A_run_waits_for_another_jobs_publication_then_publishes_its_own_figures()
    {
        await using var db = await JobDatabase.CreateAsync(server, "runner_lock");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        await using var other = await db.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var transaction = await other.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", other, transaction))
        {
            take.Parameters.AddWithValue("key", QuarterlyStore.PublishLockKey);
            await take.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var run = db.Runner(new StagingEngine(db.Store, [PublicationLockTests.Figures(2008, 7, 4m)])).RunAsync("raw_energy", CancellationToken.None);
        while (await PublicationLockTests.LockWaitersAsync(db) < 1 && !run.IsCompleted)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(run.IsCompleted, "the run published while another job held the publication lock");
        await transaction.CommitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, (await run).QuartersWritten);
        Assert.Equal(["2008-07-01"], (await db.QuarterRowsAsTextAsync()).Select(row => row[..10]));
    }

    private sealed class StoppedByOthersEngine(QuarterlyStore store, IReadOnlyList<QuarterFigures> quarters) : IJobEngine
    {
        public Guid RunId { get; private set; }

        public string Name => "test";

        public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
        {
            RunId = run.RunId;
            await store.WriteStagingAsync(run.RunId, quarters, cancellationToken);
            await store.FailRunAsync(run.RunId, "stopped by an operator", null, cancellationToken);
            return PublicationLockTests.Result(12);
        }
    }
}
