using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using Npgsql;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Two publications at once, on the real server. Without the publication's advisory lock, a second publication whose
/// DELETE starts while the first is still inserting skips the first one's new rows (its snapshot predates them), and
/// the table ends with both runs' quarters. With the lock the second waits for the first and the table is its own.
/// </summary>
public sealed class PublicationLockTests(PostgresServerFixture server)
{
    private const long HoldFirstInsertLockKey = 0x7465737448_6F6C64; // a key of this test's own

    internal static QuarterFigures Figures(int year, int month, decimal energy) => new(
        new DateOnly(year, month, 1), energy, 10, 12, 2, 1m, 2m, 3m, energy - 6m, 0.5m, 240m, 1m, 2m,
        new DateTime(year, month, 1), new DateTime(year, month, 1).AddMonths(3).AddMinutes(-1));

    internal static async Task<Guid> StageRunAsync(JobDatabase db, params QuarterFigures[] quarters)
    {
        var run = new JobRun(Guid.NewGuid(), "raw_energy", DateTimeOffset.UtcNow);
        // The run row stays running; the lease (its heartbeat) is not needed here.
        await (await db.Store.StartRunAsync(run, "test", CancellationToken.None)).DisposeAsync();
        await db.Store.WriteStagingAsync(run.RunId, quarters, CancellationToken.None);
        return run.RunId;
    }

    internal static EngineResult Result(long readings) => new([new PartitionRead(0, 0, readings, readings)], readings, 0, 0) { Evidence = CompletenessEvidence.None };

    /// <summary>Backends of this database waiting for a heavyweight lock (advisory, row or transaction).</summary>
    internal static async Task<int> LockWaitersAsync(JobDatabase db)
    {
        await using var command = db.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_publication_that_starts_while_another_is_writing_waits_and_then_replaces_it_whole()
    {
        await using var db = await JobDatabase.CreateAsync(server, "publish_lock");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        var old = await StageRunAsync(db, Figures(2006, 10, 1m), Figures(2007, 1, 2m));
        await db.Store.PublishAsync(old, Result(24), CancellationToken.None);

        var first = await StageRunAsync(db, Figures(2008, 1, 10m), Figures(2008, 4, 11m));
        var second = await StageRunAsync(db, Figures(2009, 1, 20m), Figures(2009, 4, 21m), Figures(2009, 7, 22m));
        // The first publication's INSERT blocks (a statement trigger waits on a lock this test holds) after its DELETE.
        await db.ExecuteAsync($"""
            CREATE FUNCTION hold_first_insert() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN PERFORM pg_advisory_xact_lock({HoldFirstInsertLockKey}); RETURN NULL; END $$;
            CREATE TRIGGER hold_first_insert BEFORE INSERT ON quarterly_energy_data
            FOR EACH STATEMENT EXECUTE FUNCTION hold_first_insert();
            """);
        await using var holder = await db.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using (var hold = new NpgsqlCommand($"SELECT pg_advisory_lock({HoldFirstInsertLockKey})", holder))
        {
            await hold.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var firstPublish = db.Store.PublishAsync(first, Result(24), CancellationToken.None);
        while (await LockWaitersAsync(db) < 1 && !firstPublish.IsCompleted)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        // The second publication starts while the first holds its transaction open; it must end up waiting too
        // (on the publication lock; without it, on the first one's deleted rows).
        var secondPublish = db.Store.PublishAsync(second, Result(36), CancellationToken.None);
        while (await LockWaitersAsync(db) < 2 && !secondPublish.IsCompleted)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({HoldFirstInsertLockKey})", holder))
        {
            await release.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, await firstPublish);
        Assert.Equal(3, await secondPublish);
        Assert.Equal(
            ["2009-01-01", "2009-04-01", "2009-07-01"],
            (await db.QuarterRowsAsTextAsync()).Select(row => row[..10]));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(DISTINCT run_id) FROM quarterly_energy_data"));
    }

    [Fact]
    public async Task A_publication_waits_while_another_process_holds_the_publication_lock()
    {
        await using var db = await JobDatabase.CreateAsync(server, "publish_lock_held");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        var run = await StageRunAsync(db, Figures(2010, 1, 5m));

        // Another job's publication in progress, as PostgreSQL sees it: the lock taken inside an open transaction.
        await using var other = await db.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var transaction = await other.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", other, transaction))
        {
            take.Parameters.AddWithValue("key", QuarterlyStore.PublishLockKey);
            await take.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var publish = db.Store.PublishAsync(run, Result(12), CancellationToken.None);
        while (await LockWaitersAsync(db) < 1 && !publish.IsCompleted)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(publish.IsCompleted, "the publication went ahead while another held the publication lock");
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_data"));
        await transaction.CommitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, await publish);
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_data"));
    }
}
