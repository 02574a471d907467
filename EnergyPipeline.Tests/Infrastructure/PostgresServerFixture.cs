using System.Diagnostics;
using System.Security.Cryptography;
using EnergyPipeline.LocalInfrastructure;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Testcontainers.PostgreSql;

[assembly: AssemblyFixture(typeof(EnergyPipeline.Tests.Infrastructure.PostgresServerFixture))]

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL 15 server for the whole test assembly: initdb in a temporary directory, a free port on
/// 127.0.0.1 only, password authentication with a generated password, fsync off. Tests take it in their constructor
/// and call <see cref="CreateDatabaseAsync"/> for a database of their own, so test classes are isolated. The server
/// starts on the first request (about 2 s), so test runs that need no database never depend on the binaries.
/// As root (CI), the binaries run through <c>runuser -u postgres</c> in a directory that user owns. Without local
/// binaries the server is a Testcontainers PostgreSQL where a container runtime answers; else the first test that
/// needs it fails at once, naming both remedies.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private const string SuperUser = "postgres";

    // Local binaries (ENERGY_PG_BIN, /usr/lib/postgresql/N/bin or PATH), found the way the AppHost's embedded mode finds them.
    private readonly string? _binDirectory;
    private PostgreSqlContainer? _container;
    private string _host = "127.0.0.1";
    // As root, /tmp rather than TMPDIR: the postgres user must be able to traverse every parent directory.
    private readonly string _root = Path.Combine(IsRoot ? "/tmp" : Path.GetTempPath(), "energy-pg-" + Guid.NewGuid().ToString("N"));
    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private bool _started;

    public PostgresServerFixture()
        : this(PostgresBinaries.Find()?.BinDirectory)
    {
    }

    /// <param name="binDirectory">The server binaries; null: none on this machine (container or error).</param>
    internal PostgresServerFixture(string? binDirectory) => _binDirectory = binDirectory;

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(_root, "data");

    private static bool IsRoot { get; } = Environment.UserName == "root";

    /// <summary>Connection string to a database of this server (the maintenance database <c>postgres</c> by default).</summary>
    public string ConnectionString(string database = "postgres") => !_started
        ? throw new InvalidOperationException($"Call {nameof(EnsureStartedAsync)} or {nameof(CreateDatabaseAsync)} first.")
        : new NpgsqlConnectionStringBuilder
    {
        Host = _host,
        Port = Port,
        Username = SuperUser,
        Password = _password,
        Database = database,
        Pooling = true,
        // Tests create a database per class; keep idle connections from holding servers slots for long.
        ConnectionIdleLifetime = 10,
    }.ConnectionString;

    /// <summary>Creates a fresh, empty database with a unique name and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        await EnsureStartedAsync();
        var name = $"{SanitisePrefix(prefix)}_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        // A database name cannot be a parameter; it is built here from a sanitised prefix and a GUID.
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Starts the server once; later calls return at once.</summary>
    public async Task EnsureStartedAsync()
    {
        await _startLock.WaitAsync();
        try
        {
            if (!_started)
            {
                await StartAsync();
            }
        }
        finally
        {
            _startLock.Release();
        }
    }

    private async Task StartAsync()
    {
        if (_binDirectory is null)
        {
            await StartContainerAsync();
            return;
        }

        Directory.CreateDirectory(_root);
        var passwordFile = Path.Combine(_root, "pwfile");
        await File.WriteAllTextAsync(passwordFile, _password);
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", $"{SuperUser}:", _root], asPostgres: false);
        }

        await RunAsync(Path.Combine(_binDirectory!, "initdb"),
        [
            "-D", DataDirectory, "-U", SuperUser, "--pwfile", passwordFile, "--auth", "scram-sha-256",
            "-E", "UTF8", "--locale", "C", "--no-sync",
        ]);
        File.Delete(passwordFile);

        Port = ServerPort.Free();
        await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"),
            ["start", "-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "-o", ServerOptions]);
        _started = true;
    }

    private string ServerOptions => string.Join(' ',
        $"-c port={Port}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={_root}",
        "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=200");

    /// <summary>
    /// Restarts the server as a crash would (<c>pg_ctl restart -m immediate</c>: every session ends at once, the server
    /// recovers from its log) and returns once it takes connections again. Every test on this server sees it: only a
    /// server of the test's own (a fixture it creates and disposes) may be restarted.
    /// </summary>
    public async Task RestartAsync()
    {
        if (_binDirectory is null || !_started)
        {
            throw new InvalidOperationException("Only a started server of local binaries can be restarted.");
        }

        // The server runs with synchronous_commit off: a checkpoint first writes out what was committed, so the crash
        // ends sessions but loses no commit, as on a server that commits synchronously.
        await using (var connection = new NpgsqlConnection(ConnectionString()))
        {
            await connection.OpenAsync();
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
            await checkpoint.ExecuteNonQueryAsync();
        }

        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
            ["restart", "-D", DataDirectory, "-m", "immediate", "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "-o", ServerOptions]);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
        else if (_started)
        {
            await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w"]);
        }

        _startLock.Dispose();
        if (!Directory.Exists(_root))
        {
            return;
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless; the server is already stopped.
        }
    }

    /// <summary>
    /// Without local binaries: a throw-away PostgreSQL container through Testcontainers where a container runtime
    /// answers, else a failure at once that names both remedies.
    /// </summary>
    private async Task StartContainerAsync()
    {
        var runtime = ContainerRuntime.Name(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        if (await ContainerRuntime.ProbeAsync(runtime) is { } problem)
        {
            throw new InvalidOperationException(
                $"The tests need PostgreSQL: install its server binaries (Debian/Ubuntu: apt-get install postgresql; or set {PostgresBinaries.BinDirectoryVariable}), " +
                $"or start Docker so they run it in a container ({runtime}: {problem}).");
        }

        _container = new PostgreSqlBuilder("postgres:15")
            .WithUsername(SuperUser)
            .WithPassword(_password)
            .WithCommand("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
            .Build();
        await _container.StartAsync();
        _host = _container.Hostname;
        Port = _container.GetMappedPublicPort(PostgreSqlBuilder.PostgreSqlPort);
        _started = true;
    }

    private static string SanitisePrefix(string prefix)
    {
        var letters = prefix.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_').Take(20).ToArray();
        return letters.Length > 0 && char.IsLetter(letters[0]) ? new string(letters) : "db" + new string(letters);
    }


    private async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        if (asPostgres && IsRoot)
        {
            start.FileName = "runuser";
            foreach (var argument in new[] { "-u", SuperUser, "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = file;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        // pg_ctl start leaves the server holding inherited pipes: read to the end only once the process exits.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(_root, "server.log");
            var serverLog = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: " +
                $"{await Completed(stderr)} {await Completed(stdout)} {serverLog}");
        }
    }

    private static async Task<string> Completed(Task<string> output) =>
        await Task.WhenAny(output, Task.Delay(1000)) == output ? await output : "";
}
