using System.Diagnostics;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.LocalInfrastructure;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>Directories of an AppHost that was killed are removed at the next start; those of a running one are kept.</summary>
public sealed class EmbeddedPostgresDirectoryTests
{
    [Fact]
    public async Task Leftovers_of_an_apphost_that_is_gone_are_removed_and_a_running_ones_kept()
    {
        var binaries = PostgresBinaries.Find() ?? new PostgresBinaries("/nonexistent");
        using var ended = Process.Start(new ProcessStartInfo("true"))!;
        await ended.WaitForExitAsync(TestContext.Current.CancellationToken);
        var parent = Environment.IsPrivilegedProcess ? "/tmp" : Path.GetTempPath();
        var gone = Directory.CreateDirectory(Path.Combine(parent, $"energy-pipeline-pg-{ended.Id}-test{Guid.NewGuid():N}"[..40])).FullName;
        Directory.CreateDirectory(Path.Combine(gone, "data"));
        // A server that crashed with its owner: its PID file names a process that no longer runs.
        await File.WriteAllTextAsync(Path.Combine(gone, "data", "postmaster.pid"), $"{ended.Id}\n/tmp\n", TestContext.Current.CancellationToken);
        var running = Directory.CreateDirectory(Path.Combine(parent, $"energy-pipeline-pg-{Environment.ProcessId}-test{Guid.NewGuid():N}"[..40])).FullName;
        try
        {
            EmbeddedPostgresDirectory.CleanLeftovers(binaries);

            Assert.False(Directory.Exists(gone), "the killed AppHost's directory is still there");
            Assert.True(Directory.Exists(running), "a running AppHost's directory was removed");
        }
        finally
        {
            Directory.Delete(running, recursive: true);
        }
    }
}
