using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The user's way in, without containers: the real AppHost (Aspire.Hosting.Testing, DCP, real processes) with
/// connection strings to librdkafka's mock Kafka cluster and a throw-away PostgreSQL, and the local engine. The
/// ingestor and the job run as their own processes; the table is checked against the file read independently.
/// </summary>
public sealed class PipelineRunTests(PostgresServerFixture postgres) : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);
    private const int Rows = 30_000;

    private readonly MockKafkaCluster _cluster = new();
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"energy-apphost-{Guid.NewGuid():N}.txt");

    [Fact]
    public async Task The_apphost_ingests_then_runs_the_local_engine_and_a_rerun_from_the_dashboard_changes_nothing()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RunTimeout);
        var ct = timeout.Token;

        // Sized under the mock broker's 5 MiB per partition for two ingestions of the file.
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, partitions: 12);
        SyntheticHouseholdFile.WriteFile(_file, rows: Rows);
        await using var db = JobDatabase.Open(await postgres.CreateDatabaseAsync("apphost"));

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.EnergyPipeline_AppHost>(
            [
                "--Pipeline:Engine=local",
                $"--ConnectionStrings:kafka={_cluster.BootstrapServers}",
                $"--ConnectionStrings:energy_db={db.ConnectionString}",
                $"--Ingestor:File={_file}",
            ],
            ct);
        // Disposing waits for the host's shutdown timeout otherwise (30 s).
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));
        await using var app = await builder.BuildAsync(ct);
        await app.StartAsync(ct);

        await WaitForSuccessAsync(app, "ingestor", startedAfter: null, ct);
        var firstJob = await WaitForSuccessAsync(app, "spark-job", startedAfter: null, ct);

        var expected = IndependentFigures.Of(ReferenceHouseholdFile.Readings(_file)).Select(JobDatabase.ExpectedText).ToList();
        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());
        Assert.Equal(Rows, await db.ScalarAsync("SELECT sum(reading_count) FROM quarterly_energy_data"));

        // The dashboard's "Run the pipeline again": the file is ingested a second time, then the job runs again.
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var rerun = await commands.ExecuteCommandAsync("ingestor", PipelineCommands.RunPipelineCommand, ct);
        Assert.True(rerun.Success, rerun.Message);
        await WaitForSuccessAsync(app, "spark-job", startedAfter: firstJob.StartTimeStamp, ct);

        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());
        Assert.Equal(2, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'succeeded' AND engine = 'local'"));
        Assert.Equal(2 * Rows, await db.ScalarAsync("SELECT max(readings_read) FROM pipeline_runs"));
        Assert.Equal(Rows, await db.ScalarAsync("SELECT max(duplicates_dropped) FROM pipeline_runs"));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(DISTINCT run_id) FROM quarterly_energy_data"));
    }

    /// <summary>Waits for the resource's process to end (one started after <paramref name="startedAfter"/>) and checks it succeeded.</summary>
    private static async Task<CustomResourceSnapshot> WaitForSuccessAsync(
        DistributedApplication app, string resource, DateTime? startedAfter, CancellationToken ct)
    {
        var finished = await app.ResourceNotifications.WaitForResourceAsync(
            resource,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text)
                 && e.Snapshot.StartTimeStamp is { } started && (startedAfter is null || started > startedAfter),
            ct);
        Assert.True(finished.Snapshot.ExitCode == 0, $"{resource} ended with exit code {finished.Snapshot.ExitCode}");
        return finished.Snapshot;
    }

    public void Dispose()
    {
        _cluster.Dispose();
        File.Delete(_file);
    }
}
