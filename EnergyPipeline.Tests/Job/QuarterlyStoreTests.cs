using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Job;

/// <summary>Schema, publication and failure handling against the real PostgreSQL server.</summary>
public sealed class QuarterlyStoreTests(PostgresServerFixture server)
{
    private static QuarterFigures Figures(int year, int month, decimal energy, long records) => new(
        new DateOnly(year, month, 1), energy, records, records + 1, 1, 1.5m, 2.25m, 3.125m, energy - 6.875m, 0.5m,
        240.125m, 1.5m, 9.999m, new DateTime(year, month, 1), new DateTime(year, month, 1).AddMonths(3).AddMinutes(-1));

    private static readonly QuarterFigures[] SetA = [.. Enumerable.Range(0, 17).Select(i => Figures(2006 + (i + 3) / 4, (i + 3) % 4 * 3 + 1, 1000m + i, 100 + i))];
    private static readonly QuarterFigures[] SetB = [Figures(2007, 1, 5m, 7), Figures(2007, 4, 6m, 8), Figures(2011, 1, 7.5m, 9)];

    [Fact]
    public async Task Migrations_run_once_even_when_two_jobs_start_together_and_again_are_a_no_op()
    {
        await using var db = await JobDatabase.CreateAsync(server, "migrate");

        var versions = await Task.WhenAll(db.Migrator.MigrateAsync(CancellationToken.None), db.Migrator.MigrateAsync(CancellationToken.None));
        var again = await db.Migrator.MigrateAsync(CancellationToken.None);

        Assert.All(versions, v => Assert.Equal(EnergySchema.Migrations.Max(m => m.Version), v));
        Assert.Equal(versions[0], again);
        Assert.Equal(EnergySchema.Migrations.Count, await db.ScalarAsync("SELECT count(*) FROM schema_version"));
        Assert.Equal(3, await db.ScalarAsync("""
            SELECT count(*) FROM information_schema.tables
            WHERE table_name IN ('quarterly_energy_data', 'quarterly_energy_staging', 'pipeline_runs')
            """));
        Assert.Equal(9, await db.ScalarAsync("""
            SELECT count(*) FROM information_schema.columns
            WHERE table_name = 'quarterly_energy_data' AND data_type = 'numeric' AND numeric_scale = 3
            """));
    }

    [Fact]
    public async Task A_run_replaces_every_quarter_exactly_and_records_its_counts()
    {
        await using var db = await JobDatabase.CreateAsync(server, "publish");
        var first = new StagingEngine(db.Store, SetA);
        var second = new StagingEngine(db.Store, SetB);

        var summaryA = await db.Runner(first).RunAsync("raw_energy", CancellationToken.None);
        Assert.Equal(SetA.Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
        var summaryB = await db.Runner(second).RunAsync("raw_energy", CancellationToken.None);

        // The table equals the second run's result: quarters absent from it are gone.
        Assert.Equal(SetB.Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
        Assert.Equal((17, 3), (summaryA.QuartersWritten, summaryB.QuartersWritten));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(DISTINCT run_id) FROM quarterly_energy_data"));
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_staging"));
        var run = await db.RunAsync(second.LastRunId!.Value);
        Assert.Equal(("test", "succeeded", (string?)null, 3, true), (run.Engine, run.Status, run.Error, run.Quarters, run.Finished));
        Assert.Equal(SetB.Sum(q => q.ReadingCount), run.ReadingsRead);
        Assert.Contains("\"end_offset\"", run.OffsetsJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_in_the_middle_of_the_replace_leaves_the_old_figures_and_a_failed_run()
    {
        await using var db = await JobDatabase.CreateAsync(server, "failure");
        await db.Runner(new StagingEngine(db.Store, SetA)).RunAsync("raw_energy", CancellationToken.None);
        var before = await db.QuarterRowsAsTextAsync();
        // A real server-side failure after the DELETE and part of the INSERT: the third new row raises.
        await db.ExecuteAsync("""
            CREATE FUNCTION fail_on_2011() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'injected failure at %', NEW.quarter; END $$;
            CREATE TRIGGER fail_on_2011 BEFORE INSERT ON quarterly_energy_data
            FOR EACH ROW WHEN (NEW.quarter = DATE '2011-01-01') EXECUTE FUNCTION fail_on_2011();
            """);
        var failing = new StagingEngine(db.Store, SetB);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.Runner(failing).RunAsync("raw_energy", CancellationToken.None));

        Assert.Contains("injected failure", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        var run = await db.RunAsync(failing.LastRunId!.Value);
        Assert.Equal("failed", run.Status);
        Assert.Contains("injected failure", run.Error, StringComparison.Ordinal);
        Assert.True(run.Finished);
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_staging"));
    }

    [Fact]
    public async Task A_cancelled_run_leaves_the_old_figures_and_is_recorded_as_cancelled()
    {
        await using var db = await JobDatabase.CreateAsync(server, "cancel");
        await db.Runner(new StagingEngine(db.Store, SetA)).RunAsync("raw_energy", CancellationToken.None);
        var before = await db.QuarterRowsAsTextAsync();
        var cancelled = new StagingEngine(db.Store, SetB, new OperationCanceledException());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.Runner(cancelled).RunAsync("raw_energy", CancellationToken.None));

        Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        var run = await db.RunAsync(cancelled.LastRunId!.Value);
        Assert.Equal(("failed", "cancelled"), (run.Status, run.Error));
    }

    [Fact]
    public async Task A_run_that_reads_no_valid_reading_fails_and_keeps_the_old_figures()
    {
        await using var db = await JobDatabase.CreateAsync(server, "empty");
        await db.Runner(new StagingEngine(db.Store, SetA)).RunAsync("raw_energy", CancellationToken.None);
        var before = await db.QuarterRowsAsTextAsync();
        var empty = new StagingEngine(db.Store, []);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.Runner(empty).RunAsync("raw_energy", CancellationToken.None));

        Assert.Contains("no valid reading", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        Assert.Equal("failed", (await db.RunAsync(empty.LastRunId!.Value)).Status);
    }

    [Fact]
    public async Task Concurrent_readers_see_the_old_set_or_the_new_one_never_a_mixture()
    {
        await using var db = await JobDatabase.CreateAsync(server, "readers");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        var a = (Count: (long)SetA.Length, Records: SetA.Sum(q => q.RecordCount));
        var b = (Count: (long)SetB.Length, Records: SetB.Sum(q => q.RecordCount));
        await db.Runner(new StagingEngine(db.Store, SetA)).RunAsync("raw_energy", CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var observations = new List<(long Count, long Records, long Runs)>();
        var firstRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            await using var connection = await db.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
            while (!stop.IsCancellationRequested)
            {
                await using var command = new Npgsql.NpgsqlCommand(
                    "SELECT count(*), coalesce(sum(record_count), 0), count(DISTINCT run_id) FROM quarterly_energy_data", connection);
                await using var row = await command.ExecuteReaderAsync(stop.Token);
                await row.ReadAsync(stop.Token);
                lock (observations)
                {
                    observations.Add((row.GetInt64(0), Convert.ToInt64(row.GetValue(1)), row.GetInt64(2)));
                }

                firstRead.TrySetResult();
            }
        }, TestContext.Current.CancellationToken);

        // The reader must be reading before the replaces start; on a loaded machine it may take a while to connect.
        await firstRead.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        for (var i = 0; i < 20 || (ObservationCount() <= 20 && i < 400); i++)
        {
            await db.Runner(new StagingEngine(db.Store, i % 2 == 0 ? SetB : SetA)).RunAsync("raw_energy", CancellationToken.None);
        }

        await stop.CancelAsync();
        try
        {
            await reader;
        }
        catch (OperationCanceledException)
        {
            // The reader was stopped in the middle of a query.
        }

        Assert.True(observations.Count > 20, $"only {observations.Count} reads overlapped the replaces");
        Assert.All(observations, o =>
        {
            Assert.Equal(1, o.Runs);
            Assert.True((o.Count, o.Records) == a || (o.Count, o.Records) == b, $"mixed set seen: {o}");
        });
        Assert.Contains(observations, o => o.Count == b.Count);

        int ObservationCount()
        {
            lock (observations)
            {
                return observations.Count;
            }
        }
    }
}
