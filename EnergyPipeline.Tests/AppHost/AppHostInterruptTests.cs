using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.LocalInfrastructure;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// Ctrl+C at each moment of a real AppHost's run (its own process, embedded infrastructure, a small file), sent when
/// the AppHost's output says the moment has come: at its first lines (before the dashboard answers), when the ingestor
/// has started, when the job has started. The files are large enough (seconds of work for each service) that the
/// signal comes while the service runs even when the machine is loaded. Each time: exit code 130, one line naming the stage as the last line, no stack trace, no process of the run
/// left (checked by PID and start time over everything the AppHost's tree ever held), no temporary directory left;
/// a kept data directory stays, its server shut down cleanly.
/// </summary>
public sealed partial class AppHostInterruptTests : IDisposable
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly AppHostWorkspace _workspace = new();

    [Fact]
    public async Task Ctrl_C_before_the_dashboard_answers_stops_the_start_up()
    {
        AppHostWorkspace.RequirePostgresBinaries();
        using var apphost = AppHostProcess.Start($"--Ingestor:File={_workspace.WriteFile(20_000)}", "--Pipeline:Embedded:ThrowAway=true");

        await apphost.WaitForLineAsync("Distributed application starting.", EventTimeout);
        apphost.Signal(PosixSignal.SIGINT);

        await AssertStoppedCleanlyAsync(apphost, "during start-up");
    }

    [Fact]
    public async Task Ctrl_C_while_the_ingestor_runs_stops_it_and_the_throw_away_server()
    {
        AppHostWorkspace.RequirePostgresBinaries();
        using var apphost = AppHostProcess.Start($"--Ingestor:File={_workspace.WriteFile(1_000_000)}", "--Pipeline:Embedded:ThrowAway=true");

        await apphost.WaitForLineAsync("ingestor: started.", EventTimeout);
        apphost.Signal(PosixSignal.SIGINT);

        await AssertStoppedCleanlyAsync(apphost, "during ingestor");
        Assert.DoesNotContain("ingestor: succeeded", apphost.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_while_the_job_runs_keeps_the_data_directory_with_its_server_shut_down()
    {
        var binaries = AppHostWorkspace.RequirePostgresBinaries();
        var data = _workspace.DataDirectory;
        using var apphost = AppHostProcess.Start($"--Ingestor:File={_workspace.WriteFile(600_000)}", $"--Pipeline:Embedded:DataDirectory={data}");

        await apphost.WaitForLineAsync("spark-job: started.", EventTimeout);
        apphost.Signal(PosixSignal.SIGINT);

        await AssertStoppedCleanlyAsync(apphost, "during spark-job");
        Assert.True(File.Exists(Path.Combine(data, "PG_VERSION")), $"the kept data directory {data} is gone");
        await AssertShutDownCleanlyAsync(binaries, data);
    }

    /// <summary>pg_controldata's own word: a fast shutdown writes "shut down"; a killed server leaves "in production".</summary>
    internal static async Task AssertShutDownCleanlyAsync(PostgresBinaries binaries, string data)
    {
        Assert.False(File.Exists(Path.Combine(data, "postmaster.pid")), "postmaster.pid is still there: the server did not stop");
        var control = await Infrastructure.ChildProcess.RunAsync(Path.Combine(binaries.BinDirectory, "pg_controldata"), [data], TimeSpan.FromSeconds(30));
        Assert.Matches(@"Database cluster state:\s+shut down\n", control.Output);
    }

    /// <summary>Exit code 130, the stage's line last and alone, no error output, nothing of the run left running or on disk.</summary>
    internal static async Task AssertStoppedCleanlyAsync(AppHostProcess apphost, string stage)
    {
        var exitCode = await apphost.WaitForExitAsync(StopTimeout);

        var lines = apphost.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exitCode == 130, $"exit code {exitCode}; output:\n{apphost.Output}\nerrors:\n{apphost.Errors}");
        Assert.Equal($"Stopped by Ctrl+C {stage}.", lines[^1]);
        Assert.Single(lines, l => l.StartsWith("Stopped by", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", apphost.Output + apphost.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.Empty(apphost.Errors.Trim());

        var left = apphost.StillRunning();
        Assert.True(left.Count == 0, "still running after the AppHost ended: " + string.Join("; ", left.Select(m => $"{m.Pid} {m.CommandLine}")));
        var pgDirectories = new[] { "/tmp", Path.GetTempPath() }.Distinct().Where(Directory.Exists)
            .SelectMany(parent => Directory.GetDirectories(parent, $"energy-pipeline-pg-{apphost.Id}-*"));
        Assert.Empty(pgDirectories);
        if (DcpSessionDirectory().Match(apphost.Output) is { Success: true } session)
        {
            Assert.False(Directory.Exists(session.Groups[1].Value), $"the orchestrator's session directory {session.Groups[1].Value} is still there");
        }
    }

    [GeneratedRegex("--kubeconfig \"([^\"]+)/kubeconfig\"")]
    private static partial Regex DcpSessionDirectory();

    public void Dispose() => _workspace.Dispose();
}
