using System.Diagnostics;
using EnergyPipeline.LocalInfrastructure;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// The embedded server's directory, <c>/tmp/energy-pipeline-pg-PID-ID</c> (PID: the AppHost's): data directory,
/// socket and log. Created and initialised before the server starts; the server stopped and the directory removed
/// when the AppHost ends. Directories left by an AppHost that was killed (its PID gone) are cleaned at the next start,
/// a server still running there stopped first. Two AppHosts never share one.
/// </summary>
public sealed class EmbeddedPostgresDirectory : IAsyncDisposable
{
    private const string Prefix = "energy-pipeline-pg-";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly PostgresBinaries _binaries;
    private bool _initialised;

    public EmbeddedPostgresDirectory(PostgresBinaries binaries)
    {
        _binaries = binaries;
        // /tmp rather than TMPDIR: as root the server runs as the postgres user, who must traverse every parent.
        Root = Path.Combine(RunsAsRoot ? "/tmp" : Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..(Prefix.Length + 20)]);
    }

    public static bool RunsAsRoot => Environment.IsPrivilegedProcess;

    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    /// <summary>Removes directories of AppHosts that no longer run; returns how many.</summary>
    public static int CleanLeftovers(PostgresBinaries binaries)
    {
        var cleaned = 0;
        foreach (var parent in new[] { "/tmp", Path.GetTempPath() }.Distinct())
        {
            if (!System.IO.Directory.Exists(parent))
            {
                continue;
            }

            foreach (var directory in System.IO.Directory.GetDirectories(parent, Prefix + "*"))
            {
                if (OwnerProcessId(directory) is not { } owner || IsRunning(owner))
                {
                    continue;
                }

                StopServerIn(Path.Combine(directory, "data"), binaries);
                if (TryDelete(directory))
                {
                    cleaned++;
                }
            }
        }

        return cleaned;
    }

    /// <summary>initdb with trust authentication (loopback only, see the server's arguments), once.</summary>
    public async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        if (_initialised)
        {
            return;
        }

        System.IO.Directory.CreateDirectory(Root);
        if (RunsAsRoot)
        {
            await ProcessRunner.RunAsync("chown", [$"{EmbeddedPostgresResource.SuperUser}:", Root], CommandTimeout, cancellationToken).ConfigureAwait(false);
        }

        await ProcessRunner.RunAsync(AsServerUser(_binaries.Initdb),
        [
            .. AsServerUserArguments(_binaries.Initdb),
            "-D", DataDirectory, "-U", EmbeddedPostgresResource.SuperUser, "--auth", "trust",
            "-E", "UTF8", "--locale", "C", "--no-sync",
        ], CommandTimeout, cancellationToken).ConfigureAwait(false);
        _initialised = true;
    }

    /// <summary>The executable and arguments that run <paramref name="binary"/> as the server's user.</summary>
    public static string AsServerUser(string binary) => RunsAsRoot ? "runuser" : binary;

    public static IReadOnlyList<string> AsServerUserArguments(string binary) =>
        RunsAsRoot ? ["-u", EmbeddedPostgresResource.SuperUser, "--", binary] : [];

    public ValueTask DisposeAsync()
    {
        StopServerIn(DataDirectory, _binaries);
        TryDelete(Root);
        return ValueTask.CompletedTask;
    }

    private static void StopServerIn(string dataDirectory, PostgresBinaries binaries)
    {
        // postmaster.pid's first line is the server's PID; it is there only while a server runs (or crashed).
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !IsRunning(pid))
        {
            return;
        }

        try
        {
            ProcessRunner.RunAsync(AsServerUser(binaries.PgCtl), [.. AsServerUserArguments(binaries.PgCtl), "stop", "-D", dataDirectory, "-m", "immediate", "-w"],
                CommandTimeout, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // pg_ctl could not stop it: end the server process itself, so the directory can go.
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    private static int? OwnerProcessId(string directory)
    {
        var rest = Path.GetFileName(directory)[Prefix.Length..];
        var dash = rest.IndexOf('-');
        return dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static bool IsRunning(int pid) => System.IO.Directory.Exists($"/proc/{pid}");

    private static bool TryDelete(string directory)
    {
        try
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
