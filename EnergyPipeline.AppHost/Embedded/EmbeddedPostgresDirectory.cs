using System.Diagnostics;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.LocalInfrastructure;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// The embedded server's directories, prepared before the server starts.
/// <para>
/// Kept (the default): a data directory that outlives the AppHost. One AppHost at a time uses it: it holds a lock on
/// <c>DIR.lock</c> beside it, which the system releases even when the AppHost is killed. A server still running there
/// when the lock is free was left by a killed AppHost and is stopped first; a stale <c>postmaster.pid</c> and the
/// recovery after a crash are PostgreSQL's own start-up work. When the AppHost stops, the server gets a fast shutdown
/// (clients disconnected, a checkpoint written): the next start needs no recovery.
/// </para>
/// <para>
/// Throw-away: <c>/tmp/energy-pipeline-pg-PID-ID</c> (PID: the AppHost's) holding data directory, socket and log,
/// removed when the AppHost ends; directories left by an AppHost that was killed (its PID gone) are removed at the next
/// start, a server still running there stopped first.
/// </para>
/// </summary>
public sealed class EmbeddedPostgresDirectory : IAsyncDisposable
{
    private const string Prefix = "energy-pipeline-pg-";
    private const string VersionFile = "PG_VERSION";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly PostgresBinaries _binaries;
    private FileStream? _lock;
    private bool _initialised;

    private EmbeddedPostgresDirectory(PostgresBinaries binaries, string root, string dataDirectory, bool kept)
    {
        _binaries = binaries;
        Root = root;
        DataDirectory = dataDirectory;
        IsKept = kept;
    }

    public static EmbeddedPostgresDirectory For(EmbeddedPostgresStorage storage, PostgresBinaries binaries)
    {
        if (storage.KeptDataDirectory is { } kept)
        {
            return new EmbeddedPostgresDirectory(binaries, kept, kept, kept: true);
        }

        // /tmp rather than TMPDIR: as root the server runs as the postgres user, who must traverse every parent.
        var root = Path.Combine(RunsAsRoot ? "/tmp" : Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..(Prefix.Length + 20)]);
        return new EmbeddedPostgresDirectory(binaries, root, Path.Combine(root, "data"), kept: false);
    }

    public static bool RunsAsRoot => Environment.IsPrivilegedProcess;

    public bool IsKept { get; }

    /// <summary>The server's working directory: the throw-away root, or the kept data directory itself.</summary>
    public string Root { get; }

    public string DataDirectory { get; }

    /// <summary>The owner's password file (0600) beside the data directory, which the printed psql command names.</summary>
    public string PasswordFile => DataDirectory + ".pgpass";

    /// <summary>The server settings that follow from the storage.</summary>
    public IReadOnlyList<string> ServerArguments => IsKept
        // Kept data is durable (PostgreSQL's defaults); TCP only, so no socket file needs a place.
        ? ["-c", "unix_socket_directories="]
        // A throw-away server: durability is not wanted, speed is.
        : ["-c", $"unix_socket_directories={Root}", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];

    /// <summary>Removes throw-away directories of AppHosts that no longer run; returns how many.</summary>
    public static int CleanLeftovers(PostgresBinaries binaries)
    {
        var cleaned = 0;
        foreach (var parent in new[] { "/tmp", Path.GetTempPath() }.Distinct())
        {
            if (!Directory.Exists(parent))
            {
                continue;
            }

            foreach (var directory in Directory.GetDirectories(parent, Prefix + "*"))
            {
                if (OwnerProcessId(directory) is not { } owner || IsRunning(owner))
                {
                    continue;
                }

                StopServerIn(Path.Combine(directory, "data"), binaries, ShutdownMode.Immediate);
                if (TryDelete(directory))
                {
                    cleaned++;
                }
            }
        }

        return cleaned;
    }

    /// <summary>
    /// Makes the data directory ready, once, for the superuser's <paramref name="password"/>
    /// (<see cref="EmbeddedPostgresAuthentication"/>): initdb for a new one; for a kept one the lock, the version check,
    /// the stop of a server left running, mode 0700, and the password and pg_hba.conf set again (the parameter may
    /// have changed; an older version trusted every local connection). Then the owner's password file.
    /// </summary>
    /// <returns>A line for the console when a kept directory that trusted every connection now takes the password.</returns>
    /// <exception cref="EmbeddedInfrastructureException">The directory cannot be used; the message says why and what to do.</exception>
    public async Task<string?> InitialiseAsync(string password, CancellationToken cancellationToken)
    {
        if (_initialised)
        {
            return null;
        }

        string? notice = null;
        try
        {
            if (IsKept)
            {
                notice = await PrepareKeptAsync(password, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                CreateForServer(Root);
                await InitdbAsync(DataDirectory, password, cancellationToken).ConfigureAwait(false);
            }

            await EmbeddedPostgresAuthentication.WriteClientPasswordFileAsync(PasswordFile, password, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new EmbeddedInfrastructureException($"The embedded PostgreSQL data directory {DataDirectory} cannot be used: {ex.Message}");
        }

        _initialised = true;
        return notice;
    }

    /// <summary>Stops the server cleanly (fast shutdown) when one runs; the throw-away one needs no checkpoint.</summary>
    public void StopServer() => StopServerIn(DataDirectory, _binaries, IsKept ? ShutdownMode.Fast : ShutdownMode.Immediate);

    /// <summary>The executable and arguments that run <paramref name="binary"/> as the server's user.</summary>
    public static string AsServerUser(string binary) => RunsAsRoot ? "runuser" : binary;

    public static IReadOnlyList<string> AsServerUserArguments(string binary) =>
        RunsAsRoot ? ["-u", EmbeddedPostgresResource.SuperUser, "--", binary] : [];

    /// <summary>Stops a server that survived the orchestrator; removes a throw-away directory; releases a kept one.</summary>
    public ValueTask DisposeAsync()
    {
        // The orchestrator may have ended the server's process without its shutdown: stop whatever survived.
        StopServer();
        if (!IsKept)
        {
            TryDelete(Root);
        }

        _lock?.Dispose();
        _lock = null;
        return ValueTask.CompletedTask;
    }

    private async Task<string?> PrepareKeptAsync(string password, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(DataDirectory) ?? throw new InvalidOperationException("it has no parent directory");
        CreateParent(parent);
        _lock = TryLock(DataDirectory + ".lock") ?? throw new EmbeddedInfrastructureException(
            $"The embedded PostgreSQL data directory {DataDirectory} is in use by another AppHost: stop that one, or give another " +
            $"{EmbeddedPostgresStorage.DataDirectorySetting}, or set {EmbeddedPostgresStorage.ThrowAwaySetting}=true.");

        if (File.Exists(Path.Combine(DataDirectory, VersionFile)))
        {
            await CheckVersionAsync(cancellationToken).ConfigureAwait(false);
            // The lock was free, so no AppHost runs this server: one that was killed left it. It answers to nobody.
            StopServerIn(DataDirectory, _binaries, ShutdownMode.Fast);
            return await SecureKeptAsync(password, cancellationToken).ConfigureAwait(false);
        }

        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new EmbeddedInfrastructureException(
                $"{EmbeddedPostgresStorage.DataDirectorySetting} {DataDirectory} is neither empty nor a PostgreSQL data directory (no {VersionFile}): give a new or empty directory.");
        }

        // initdb fills a sibling that becomes the data directory only when complete: an interrupted start leaves no half-made one.
        var staging = DataDirectory + ".initdb";
        TryDelete(staging);
        await InitdbAsync(staging, password, cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory);
        }

        Directory.Move(staging, DataDirectory);
        return null;
    }

    /// <summary>An existing data directory: only its owner may enter it, and it takes the current password, nothing else.</summary>
    private async Task<string?> SecureKeptAsync(string password, CancellationToken cancellationToken)
    {
        var trusted = EmbeddedPostgresAuthentication.Trusts(DataDirectory);
        SetOwnerOnly(DataDirectory);
        await EmbeddedPostgresAuthentication.WriteHbaFileAsync(DataDirectory, cancellationToken).ConfigureAwait(false);
        await WithServerPasswordFileAsync(password, file =>
            EmbeddedPostgresAuthentication.SetPasswordAsync(_binaries, DataDirectory, file, cancellationToken), cancellationToken).ConfigureAwait(false);
        return trusted
            ? $"The embedded PostgreSQL data directory {DataDirectory} let every local account in without a password (trust, set by an " +
              $"older version): it now takes the password of the parameter {ResourceNames.PostgresPassword}, for its owner only."
            : null;
    }

    /// <summary>Runs <paramref name="use"/> with a password file the server's user can read, removed afterwards.</summary>
    private async Task WithServerPasswordFileAsync(string password, Func<string, Task> use, CancellationToken cancellationToken)
    {
        // Beside the data directory, in the parent only its owner (and, as root, the server's user passing through) enters.
        var file = DataDirectory + ".pwfile";
        try
        {
            await EmbeddedPostgresAuthentication.WriteServerPasswordFileAsync(file, password, cancellationToken).ConfigureAwait(false);
            await use(file).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task CheckVersionAsync(CancellationToken cancellationToken)
    {
        var dataVersion = (await File.ReadAllTextAsync(Path.Combine(DataDirectory, VersionFile), cancellationToken).ConfigureAwait(false)).Trim();
        // "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)": the major version is the number before the first dot.
        var banner = await ProcessRunner.RunAsync(_binaries.Postgres, ["-V"], CommandTimeout, cancellationToken).ConfigureAwait(false);
        var serverVersion = banner.Split(')', 2).ElementAtOrDefault(1)?.Trim().Split('.', ' ')[0];
        if (serverVersion is { Length: > 0 } && serverVersion != dataVersion)
        {
            throw new EmbeddedInfrastructureException(
                $"The embedded PostgreSQL data directory {DataDirectory} holds data of PostgreSQL {dataVersion}, but the binaries in {_binaries.BinDirectory} are version {serverVersion}: " +
                $"set {EnergyPipelineModel.PostgresBinDirectorySetting} to version {dataVersion}'s, or give another {EmbeddedPostgresStorage.DataDirectorySetting}.");
        }
    }

    private async Task InitdbAsync(string dataDirectory, string password, CancellationToken cancellationToken)
    {
        CreateForServer(dataDirectory);
        await WithServerPasswordFileAsync(password, file => ProcessRunner.RunAsync(AsServerUser(_binaries.Initdb),
        [
            .. AsServerUserArguments(_binaries.Initdb),
            "-D", dataDirectory, "-U", EmbeddedPostgresResource.SuperUser, "--auth", "scram-sha-256", "--pwfile", file,
            "-E", "UTF8", "--locale", "C", "--no-sync",
        ], CommandTimeout, cancellationToken), cancellationToken).ConfigureAwait(false);
        await EmbeddedPostgresAuthentication.WriteHbaFileAsync(dataDirectory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A directory only the server's user may enter (0700); as root it is handed to that user.</summary>
    private static void CreateForServer(string directory)
    {
        CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        HandToServerAsync(directory).GetAwaiter().GetResult();
    }

    /// <summary>As root, gives <paramref name="path"/> to the server's user (who runs the server); otherwise it is the owner's already.</summary>
    internal static async Task HandToServerAsync(string path)
    {
        if (RunsAsRoot)
        {
            await ProcessRunner.RunAsync("chown", [$"{EmbeddedPostgresResource.SuperUser}:", path], CommandTimeout, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void SetOwnerOnly(string directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>
    /// The kept directory's parent: private to the user, except as root, where the postgres user must pass through it
    /// (and through every directory above it) to reach its data.
    /// </summary>
    private static void CreateParent(string parent)
    {
        if (!RunsAsRoot)
        {
            CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return;
        }

        CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        for (var directory = new DirectoryInfo(parent); directory is not null; directory = directory.Parent)
        {
            if ((directory.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                throw new EmbeddedInfrastructureException(
                    $"As root the embedded PostgreSQL runs as the user {EmbeddedPostgresResource.SuperUser}, who cannot enter {directory.FullName}: " +
                    $"give a {EmbeddedPostgresStorage.DataDirectorySetting} outside it (the default is {EmbeddedPostgresStorage.DefaultDataDirectory}).");
            }
        }
    }

    private static void CreateDirectory(string directory, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, mode);
        }
    }

    /// <summary>The lock (an exclusive flock, which .NET takes for <see cref="FileShare.None"/>), or null when another process holds it.</summary>
    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private enum ShutdownMode
    {
        Fast,
        Immediate,
    }

    private static void StopServerIn(string dataDirectory, PostgresBinaries binaries, ShutdownMode mode)
    {
        // postmaster.pid's first line is the server's PID; it is there only while a server runs (or after it crashed).
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !IsRunning(pid))
        {
            return;
        }

        try
        {
            ProcessRunner.RunAsync(AsServerUser(binaries.PgCtl),
                [.. AsServerUserArguments(binaries.PgCtl), "stop", "-D", dataDirectory, "-m", mode.ToString().ToLowerInvariant(), "-w"],
                CommandTimeout, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // pg_ctl could not stop it (or the PID was another process's by now): end that process itself.
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

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}");

    private static bool TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
