using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Job;

/// <summary>Only a run that is still <c>running</c> can be published; anything else leaves the table as it was.</summary>
public sealed class PublicationRunStatusTests(PostgresServerFixture server)
{
    [Fact]
    public async Task A_failed_run_is_not_published_and_the_old_figures_stay()
    {
        await using var db = await JobDatabase.CreateAsync(server, "publish_failed");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        var good = await PublicationLockTests.StageRunAsync(db, PublicationLockTests.Figures(2007, 1, 3m));
        await db.Store.PublishAsync(good, PublicationLockTests.Result(12), CancellationToken.None);
        var before = await db.QuarterRowsAsTextAsync();
        var failed = await PublicationLockTests.StageRunAsync(db, PublicationLockTests.Figures(2008, 1, 4m));
        await db.Store.FailRunAsync(failed, "failed elsewhere", null, CancellationToken.None);
        await db.Store.WriteStagingAsync(failed, [PublicationLockTests.Figures(2008, 4, 5m)], CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => db.Store.PublishAsync(failed, PublicationLockTests.Result(12), CancellationToken.None));

        Assert.Contains(failed.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        var run = await db.RunAsync(failed);
        Assert.Equal(("failed", "failed elsewhere"), (run.Status, run.Error));
    }

    [Fact]
    public async Task A_run_is_published_once_a_second_publication_of_it_is_refused()
    {
        await using var db = await JobDatabase.CreateAsync(server, "publish_twice");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        var run = await PublicationLockTests.StageRunAsync(db, PublicationLockTests.Figures(2007, 4, 6m), PublicationLockTests.Figures(2007, 7, 7m));
        Assert.Equal(2, await db.Store.PublishAsync(run, PublicationLockTests.Result(24), CancellationToken.None));
        var published = await db.QuarterRowsAsTextAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => db.Store.PublishAsync(run, PublicationLockTests.Result(24), CancellationToken.None));

        Assert.Equal(published, await db.QuarterRowsAsTextAsync());
        Assert.Equal("succeeded", (await db.RunAsync(run)).Status);
    }

    [Fact]
    public async Task A_run_that_was_never_started_is_not_published()
    {
        await using var db = await JobDatabase.CreateAsync(server, "publish_unknown");
        await db.Migrator.MigrateAsync(CancellationToken.None);
        var known = await PublicationLockTests.StageRunAsync(db, PublicationLockTests.Figures(2007, 10, 8m));
        await db.Store.PublishAsync(known, PublicationLockTests.Result(12), CancellationToken.None);
        var unknown = Guid.NewGuid();
        await db.Store.WriteStagingAsync(unknown, [PublicationLockTests.Figures(2010, 10, 9m)], CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => db.Store.PublishAsync(unknown, PublicationLockTests.Result(12), CancellationToken.None));

        Assert.Equal(["2007-10-01"], (await db.QuarterRowsAsTextAsync()).Select(row => row[..10]));
    }
}
