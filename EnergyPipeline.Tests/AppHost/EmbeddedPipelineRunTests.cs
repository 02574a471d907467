using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The main command's embedded default, through Aspire.Hosting.Testing with <c>Pipeline:Infrastructure=embedded</c>
/// and nothing else given: Kafka is the mock cluster inside the AppHost, PostgreSQL a server the AppHost starts from
/// the local binaries. The table is checked against the ingested file read independently; the console report, the
/// printed psql command (run as printed) and the removal of the server's directory at the end are checked too.
/// A small generated file keeps the suite short; the full-size run is recorded in BENCHMARKS.md.
/// </summary>
public sealed class EmbeddedPipelineRunTests : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);
    private const int Rows = 40_000;

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"energy-embedded-{Guid.NewGuid():N}.txt");

    [Fact]
    public async Task The_apphost_runs_the_pipeline_on_embedded_infrastructure_and_says_where_the_results_are()
    {
        var binaries = PostgresBinaries.Find();
        Assert.SkipWhen(binaries is null, "no PostgreSQL server binaries on this machine: " + EmbeddedPostgresResource.MissingBinariesMessage);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RunTimeout);
        var ct = timeout.Token;
        SyntheticHouseholdFile.WriteFile(_file, rows: Rows);

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.EnergyPipeline_AppHost>(
            ["--Pipeline:Infrastructure=embedded", "--Pipeline:Embedded:ThrowAway=true", $"--Ingestor:File={_file}"], ct);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var console = new StringWriter();
        builder.Services.AddSingleton(new PipelineConsoleOutput(console));

        string serverDirectory;
        await using (var app = await builder.BuildAsync(ct))
        {
            var model = app.Services.GetRequiredService<DistributedApplicationModel>();
            Assert.DoesNotContain(model.Resources, r => r is ContainerResource);
            var postgres = model.Resources.OfType<EmbeddedPostgresResource>().Single();
            serverDirectory = postgres.Directory.Root;

            await app.StartAsync(ct);
            await WaitForSuccessAsync(app, "ingestor", ct);
            await WaitForSuccessAsync(app, "spark-job", ct);

            await using var db = JobDatabase.Open(await app.GetConnectionStringAsync("postgres", ct) ?? throw new InvalidOperationException("no connection string"));
            var expected = IndependentFigures.Of(ReferenceHouseholdFile.Readings(_file)).Select(JobDatabase.ExpectedText).ToList();
            Assert.Equal(expected, await db.QuarterRowsAsTextAsync());
            Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'succeeded' AND engine = 'local'"));

            var report = await WaitForLineAsync(console, "Results: psql", ct);
            Assert.Contains($"ingestor: succeeded — {Rows:N0} readings from {_file} (file), 0 malformed lines skipped", report, StringComparison.Ordinal);
            Assert.Contains($"spark-job: succeeded — {expected.Count} quarters, 0 invalid, 0 unattributed", report, StringComparison.Ordinal);
            Assert.Contains($"psql '{postgres.PsqlUri}'", report, StringComparison.Ordinal);
            Assert.Equal(Rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
                await PsqlAsync(Path.Combine(binaries!.BinDirectory, "psql"), postgres.PsqlUri, "SELECT sum(reading_count) FROM quarterly_energy_data"));
        }

        Assert.False(Directory.Exists(serverDirectory), $"the embedded server's directory {serverDirectory} is still there");
    }

    [Fact]
    public async Task A_failed_ingestion_is_reported_on_the_console_with_its_error_and_the_job_as_not_started()
    {
        Assert.SkipWhen(PostgresBinaries.Find() is null, "no PostgreSQL server binaries on this machine: " + EmbeddedPostgresResource.MissingBinariesMessage);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RunTimeout);
        var ct = timeout.Token;
        var bytes = new byte[20_000];
        new Random(11).NextBytes(bytes);
        await File.WriteAllBytesAsync(_file, bytes, ct);

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.EnergyPipeline_AppHost>(
            ["--Pipeline:Infrastructure=embedded", "--Pipeline:Embedded:ThrowAway=true", $"--Ingestor:File={_file}"], ct);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var console = new StringWriter();
        builder.Services.AddSingleton(new PipelineConsoleOutput(console));
        await using var app = await builder.BuildAsync(ct);
        await app.StartAsync(ct);

        var report = await WaitForLineAsync(console, "ingestor: failed", ct);
        report = await WaitForLineAsync(console, "spark-job: not started", ct);

        Assert.Contains("ingestor: failed (exit code 1) — ", report, StringComparison.Ordinal);
        Assert.Contains("looks like a binary file", report, StringComparison.Ordinal);
        // Told while the job still waits, or once the orchestrator has given up its start: either names the ingestor's failure.
        Assert.Matches(@"spark-job: not started: it wait(s|ed) for ingestor", report);
        Assert.DoesNotContain("Results:", report, StringComparison.Ordinal);
    }

    private static async Task WaitForSuccessAsync(DistributedApplication app, string resource, CancellationToken ct)
    {
        var finished = await app.ResourceNotifications.WaitForResourceAsync(
            resource, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct);
        Assert.True(finished.Snapshot.ExitCode == 0, $"{resource} ended in {finished.Snapshot.State?.Text} with exit code {finished.Snapshot.ExitCode}");
    }

    private static async Task<string> WaitForLineAsync(StringWriter console, string text, CancellationToken ct)
    {
        while (!console.ToString().Contains(text, StringComparison.Ordinal))
        {
            await Task.Delay(100, ct);
        }

        return console.ToString();
    }

    /// <summary>Runs the psql command the AppHost printed, with the URI as printed.</summary>
    private static async Task<string> PsqlAsync(string psql, string uri, string sql)
    {
        var result = await ChildProcess.RunAsync(File.Exists(psql) ? psql : "psql", [uri, "-At", "-c", sql], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"psql failed: {result.Errors}");
        return result.Output.Trim();
    }

    public void Dispose() => File.Delete(_file);
}
