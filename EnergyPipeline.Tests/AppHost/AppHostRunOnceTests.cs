using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The real AppHost (its own process, embedded infrastructure) as a script or a returning user meets it: the run-once
/// mode's exit code, the figures on the console (table and chart, checked against the file read independently), the
/// printed psql command run as printed, a failed service's cause in one line, and the embedded PostgreSQL's data kept
/// between runs: found by the next run, refused to a second AppHost while one uses it, recovered after a killed one.
/// </summary>
public sealed partial class AppHostRunOnceTests : IDisposable
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(90);

    private readonly AppHostWorkspace _workspace = new();

    [Fact]
    public async Task A_failed_ingestor_ends_the_run_once_mode_with_its_cause_and_a_failing_exit_code()
    {
        AppHostWorkspace.RequirePostgresBinaries();
        var missing = Path.Combine(_workspace.Path, "missing.txt");
        using var apphost = AppHostProcess.Start($"--Ingestor:File={missing}", "--Pipeline:ExitWhenDone=true", "--Pipeline:Embedded:ThrowAway=true");

        var exitCode = await apphost.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{apphost.Output}\nerrors:\n{apphost.Errors}");
        Assert.Contains($"ingestor: failed (exit code 2) — the file to ingest (--file or Ingestor:File): '{missing}' does not exist.", apphost.Output, StringComparison.Ordinal);
        Assert.Matches(@"spark-job: not started: it wait(s|ed) for ingestor", apphost.Output);
        // The ingestor's usage text follows its error line; none of it reaches the console.
        Assert.DoesNotContain("Exit codes:", apphost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Results:", apphost.Output, StringComparison.Ordinal);
        Assert.Empty(apphost.StillRunning());
    }

    [Fact]
    public async Task Kept_data_is_found_by_the_next_run_and_refused_to_a_second_apphost_while_one_uses_it()
    {
        var binaries = AppHostWorkspace.RequirePostgresBinaries();
        var file = _workspace.WriteFile(200_000);
        var data = _workspace.DataDirectory;
        var expected = IndependentFigures.Of(ReferenceHouseholdFile.Readings(file));

        // First run, once: exit code 0, the figures on the console, read from the file independently.
        using (var first = AppHostProcess.Start($"--Ingestor:File={file}", $"--Pipeline:Embedded:DataDirectory={data}", "--Pipeline:ExitWhenDone=true"))
        {
            var exitCode = await first.WaitForExitAsync(ExitTimeout);
            Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{first.Output}\nerrors:\n{first.Errors}");
            AssertTableAndChart(first.Output, expected);
            Assert.Contains($"spark-job: succeeded — {expected.Count} quarters, 0 invalid, 0 unattributed", first.Output, StringComparison.Ordinal);
            Assert.Empty(first.StillRunning());
        }

        // Second run, left running: it sees the first run's row, and a third AppHost may not use the same directory.
        using var second = AppHostProcess.Start($"--Ingestor:File={file}", $"--Pipeline:Embedded:DataDirectory={data}");
        var psql = await second.WaitForLineAsync("Results: psql", LineTimeout);
        Assert.Contains($"data kept in {data}", psql, StringComparison.Ordinal);
        Assert.Equal("2", await PsqlAsync(binaries, psql, "SELECT count(*) FROM pipeline_runs WHERE status = 'succeeded'"));
        Assert.Equal(expected.Select(PrintedQueryRow), (await PsqlAsync(binaries, psql)).Split('\n'));

        using (var third = AppHostProcess.Start($"--Ingestor:File={file}", $"--Pipeline:Embedded:DataDirectory={data}", "--Pipeline:ExitWhenDone=true"))
        {
            var exitCode = await third.WaitForExitAsync(ExitTimeout);
            Assert.Equal(1, exitCode);
            Assert.Equal($"error: The embedded PostgreSQL data directory {data} is in use by another AppHost: stop that one, or give another Pipeline:Embedded:DataDirectory, or set Pipeline:Embedded:ThrowAway=true.", third.Errors.Trim());
        }

        second.Signal(PosixSignal.SIGINT);
        await AppHostInterruptTests.AssertStoppedCleanlyAsync(second, "after the run");
        await AppHostInterruptTests.AssertShutDownCleanlyAsync(binaries, data);
    }

    [Fact]
    public async Task Kept_data_survives_a_killed_apphost_and_a_crashed_server()
    {
        var binaries = AppHostWorkspace.RequirePostgresBinaries();
        var file = _workspace.WriteFile(30_000);
        var data = _workspace.DataDirectory;

        using (var killed = AppHostProcess.Start($"--Ingestor:File={file}", $"--Pipeline:Embedded:DataDirectory={data}"))
        {
            await killed.WaitForLineAsync("Results: psql", LineTimeout);
            // kill -9 of the AppHost and of the server: no stop of any kind runs, postmaster.pid stays behind.
            var postmaster = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
            killed.Kill();
            System.Diagnostics.Process.GetProcessById(postmaster).Kill();
            await WaitUntilEndedAsync(killed);
        }

        Assert.True(File.Exists(Path.Combine(data, "postmaster.pid")), "the crashed server left no postmaster.pid: nothing stale to handle");
        using var next = AppHostProcess.Start($"--Ingestor:File={file}", $"--Pipeline:Embedded:DataDirectory={data}");
        var psql = await next.WaitForLineAsync("Results: psql", LineTimeout);
        Assert.Equal("2", await PsqlAsync(binaries, psql, "SELECT count(*) FROM pipeline_runs WHERE status = 'succeeded'"));

        next.Signal(PosixSignal.SIGINT);
        await AppHostInterruptTests.AssertStoppedCleanlyAsync(next, "after the run");
        await AppHostInterruptTests.AssertShutDownCleanlyAsync(binaries, data);
    }

    /// <summary>Each quarter's row of the console table, and its bar of the chart ending with the same energy in kWh.</summary>
    private static void AssertTableAndChart(string output, IReadOnlyList<QuarterFigures> expected)
    {
        var lines = output.Split('\n');
        foreach (var quarter in expected)
        {
            var label = $"{quarter.Quarter.Year}-Q{((quarter.Quarter.Month - 1) / 3) + 1}";
            var kwh = Math.Round(quarter.TotalEnergyWh / 1000m, 3, MidpointRounding.AwayFromZero).ToString("N3", System.Globalization.CultureInfo.InvariantCulture);
            string[] cells = [label, kwh, $"{quarter.ReadingCount:N0}", $"{quarter.MissingCount:N0}", quarter.AvgVoltageV?.ToString("N3", System.Globalization.CultureInfo.InvariantCulture) ?? "-"];
            Assert.True(
                lines.Any(l => l.Split(['│', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).SequenceEqual(cells)),
                $"no table row {string.Join(" | ", cells)} in:\n{output}");
            Assert.True(
                lines.Any(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal) && l.Contains('█') && l.TrimEnd().EndsWith(kwh, StringComparison.Ordinal)),
                $"no bar {label} ... {kwh} in:\n{output}");
        }
    }

    /// <summary>A row of the printed query (quarter, total_energy_wh, record_count, reading_count, missing_count) as psql -At prints it.</summary>
    private static string PrintedQueryRow(QuarterFigures q) => string.Join('|',
        q.Quarter.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        q.TotalEnergyWh.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), q.RecordCount, q.ReadingCount, q.MissingCount);

    /// <summary>Runs psql with the URI the AppHost printed, and its query unless <paramref name="sql"/> is given.</summary>
    private static async Task<string> PsqlAsync(PostgresBinaries binaries, string printedLine, string? sql = null)
    {
        var printed = PrintedPsql().Match(printedLine);
        Assert.True(printed.Success, $"not a psql command: {printedLine}");
        var psql = Path.Combine(binaries.BinDirectory, "psql");
        var result = await ChildProcess.RunAsync(File.Exists(psql) ? psql : "psql", [printed.Groups[1].Value, "-At", "-c", sql ?? printed.Groups[2].Value], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"psql failed: {result.Errors}");
        return result.Output.Trim();
    }

    /// <summary>Waits for the orchestrator to end what a killed AppHost ran (it watches the AppHost's PID).</summary>
    private static async Task WaitUntilEndedAsync(AppHostProcess killed)
    {
        await killed.WaitForExitAsync(ExitTimeout);
        for (var waited = 0; killed.StillRunning().Count > 0 && waited < 600; waited++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [GeneratedRegex("psql '([^']+)' -c '([^']+)'")]
    private static partial Regex PrintedPsql();

    public void Dispose() => _workspace.Dispose();
}
