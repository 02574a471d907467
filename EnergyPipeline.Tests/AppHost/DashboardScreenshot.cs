using System.Diagnostics;
using System.Text;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Messaging;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// Makes the README's dashboard pictures: `dotnet run` of the AppHost (dashboard on the launch profile's URL) with
/// connection strings to a mock Kafka cluster hosted by this test process and a throw-away PostgreSQL, the local
/// engine, then headless Chromium (Debian's, driven by docs/capture-dashboard.mjs) on the trace view of the run. Explicit: run it by hand with
/// `dotnet test --project EnergyPipeline.Tests -- --filter-class "*DashboardScreenshot" --explicit only`.
/// </summary>
public sealed class DashboardScreenshot(PostgresServerFixture postgres, ITestOutputHelper output)
{
    private const string DashboardUrl = "http://localhost:15178";

    [Fact(Explicit = true)]
    public async Task Capture_the_trace_of_one_pipeline_run()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var repository = RepositoryFiles.Root;
        var file = Path.Combine(Path.GetTempPath(), $"energy-screenshot-{Guid.NewGuid():N}.txt");
        SyntheticHouseholdFile.WriteFile(file, rows: 40_000);

        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(RawEnergyTopic.Name, partitions: 12);
        await using var db = JobDatabase.Open(await postgres.CreateDatabaseAsync("screenshot"));

        using var appHost = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "run", "--project", Path.Combine(repository, "EnergyPipeline.AppHost"), "--no-build", "--",
                "--Pipeline:Engine=local", $"--ConnectionStrings:kafka={cluster.BootstrapServers}",
                $"--ConnectionStrings:energy_db={db.ConnectionString}", $"--Ingestor:File={file}",
            },
            Environment = { ["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true", ["DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true" },
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        appHost.OutputDataReceived += (_, e) => output.WriteLine(e.Data ?? "");
        appHost.ErrorDataReceived += (_, e) => output.WriteLine(e.Data ?? "");
        appHost.BeginOutputReadLine();
        appHost.BeginErrorReadLine();
        try
        {
            while (await SucceededRunsAsync(db) == 0)
            {
                Assert.False(appHost.HasExited, "The AppHost exited before the job succeeded.");
                await Task.Delay(1000, ct);
            }

            // Let the services' OTLP exporters flush their last batches to the dashboard.
            await Task.Delay(TimeSpan.FromSeconds(8), ct);
            var message = KafkaTopicReader.ReadAll(cluster.BootstrapServers, RawEnergyTopic.Name, TimeSpan.FromSeconds(20))[0];
            var traceParent = Encoding.ASCII.GetString(message.Message.Headers.GetLastBytes(RawEnergyTopic.TraceParentHeader));
            var traceId = traceParent.Split('-')[1];

            await CaptureAsync(repository, traceId, ct);
        }
        finally
        {
            appHost.Kill(entireProcessTree: true);
            await appHost.WaitForExitAsync(CancellationToken.None);
            File.Delete(file);
        }
    }

    private static async Task<long> SucceededRunsAsync(JobDatabase db)
    {
        try
        {
            return await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'succeeded'");
        }
        catch (Npgsql.PostgresException)
        {
            return 0; // the job has not created its schema yet
        }
    }

    /// <summary>Runs docs/capture-dashboard.mjs with playwright-core (installed from npm into a temporary folder) and Debian's Chromium.</summary>
    private async Task CaptureAsync(string repository, string traceId, CancellationToken ct)
    {
        var tools = Directory.CreateTempSubdirectory("dashboard-capture-").FullName;
        File.Copy(Path.Combine(repository, "docs", "capture-dashboard.mjs"), Path.Combine(tools, "capture-dashboard.mjs"));
        await RunAsync("npm", ["install", "--silent", "--no-save", "--prefix", tools, "playwright-core@1.65.1"], tools, ct);
        await RunAsync("node", [Path.Combine(tools, "capture-dashboard.mjs"), DashboardUrl, traceId, Path.Combine(repository, "docs")], tools, ct);
    }

    private async Task RunAsync(string command, string[] arguments, string directory, CancellationToken ct)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        output.WriteLine(await process.StandardOutput.ReadToEndAsync(ct));
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"{command} failed: {await stderr}");
    }
}
