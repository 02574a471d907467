using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Each Spark run writes its own raw zone directory; the publishing transaction makes it the current one, so the raw
/// zone named by <c>current_raw_zone</c> always describes the published figures (real PostgreSQL).
/// </summary>
public sealed class RawZonePublicationTests(PostgresServerFixture server)
{
    private static readonly QuarterFigures[] Quarters =
    [
        new(new DateOnly(2007, 1, 1), 5m, 7, 8, 1, 1m, 1m, 1m, 2m, 0.5m, 240m, 1m, 2m, new DateTime(2007, 1, 1), new DateTime(2007, 3, 31, 23, 59, 0)),
    ];

    [Fact]
    public async Task The_published_run_s_directory_is_current_and_a_failed_run_changes_nothing()
    {
        await using var db = await JobDatabase.CreateAsync(server, "rawzone");
        var published = new RawZoneEngine(new StagingEngine(db.Store, Quarters));
        await db.Runner(published).RunAsync("raw_energy", CancellationToken.None);
        var publishedDirectory = $"hdfs://namenode:8020/raw/energy_readings/run_id={published.LastRunId}";
        Assert.Equal(publishedDirectory, await CurrentRawZoneAsync(db));

        var failing = new RawZoneEngine(new StagingEngine(db.Store, Quarters, new InvalidOperationException("Spark failed after writing its raw zone")));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Runner(failing).RunAsync("raw_energy", CancellationToken.None));
        Assert.Equal(publishedDirectory, await CurrentRawZoneAsync(db));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE raw_zone_uri IS NOT NULL"));

        // A run of the local engine writes no raw zone: no directory describes its figures any more.
        await db.Runner(new StagingEngine(db.Store, Quarters)).RunAsync("raw_energy", CancellationToken.None);
        Assert.Null(await CurrentRawZoneAsync(db));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM current_raw_zone"));
    }

    private static async Task<string?> CurrentRawZoneAsync(JobDatabase db)
    {
        await using var command = db.DataSource.CreateCommand($"SELECT raw_zone_uri FROM {EnergySchema.CurrentRawZoneView}");
        var value = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return value is DBNull ? null : (string?)value;
    }

    /// <summary>Reports the run's own raw zone directory, as the Spark engine does.</summary>
    private sealed class RawZoneEngine(StagingEngine inner) : IJobEngine
    {
        public string Name => "spark";

        public Guid? LastRunId => inner.LastRunId;

        public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken) =>
            await inner.RunAsync(run, cancellationToken) with { RawZoneUri = $"hdfs://namenode:8020/raw/energy_readings/run_id={run.RunId}" };
    }
}
