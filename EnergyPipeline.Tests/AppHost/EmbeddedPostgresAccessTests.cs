using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The embedded PostgreSQL lets its owner in and nobody else, though every account of the machine reaches 127.0.0.1:
/// the server is prepared and started exactly as the AppHost's model says (its directory's initialisation, its command
/// and arguments), then another OS account (<c>nobody</c>, through runuser) tries the TCP port and the socket, and the
/// owner runs the psql command the AppHost prints.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EmbeddedPostgresAccessTests : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private readonly AppHostWorkspace _workspace = new();

    [Fact]
    public async Task Another_account_is_refused_over_tcp_and_the_socket_and_the_owner_s_printed_command_works()
    {
        var binaries = RequireAnotherAccount();
        // A throw-away server: it has a socket (a kept one listens on TCP only).
        var embedded = EmbeddedPostgres("--Pipeline:Embedded:ThrowAway=true");
        var postgres = embedded.Postgres;
        await using var server = await EmbeddedServer.StartAsync(embedded, await PasswordAsync(postgres));

        var overTcp = await PsqlAsync(binaries, "nobody", "-h", "127.0.0.1", "-p", Port(postgres), "-U", "postgres", "-d", "postgres", "-w");
        var withItsPasswordFile = await PsqlAsync(binaries, "nobody", postgres.PsqlUri);
        var overTheSocket = await PsqlAsync(binaries, "nobody", "-h", postgres.Directory.Root, "-p", Port(postgres), "-U", "postgres", "-d", "postgres", "-w");
        // The socket asks even the server's own account for the password (no trust, no peer).
        var serverAccountOverTheSocket = await PsqlAsync(binaries, "postgres", "-h", postgres.Directory.Root, "-p", Port(postgres), "-U", "postgres", "-d", "postgres", "-w");
        var owner = await PsqlAsync(binaries, null, postgres.PsqlUri);

        Assert.NotEqual(0, overTcp.ExitCode);
        Assert.Contains("no password supplied", overTcp.Errors, StringComparison.Ordinal);
        Assert.NotEqual(0, withItsPasswordFile.ExitCode);
        Assert.NotEqual(0, overTheSocket.ExitCode);
        Assert.Contains("Permission denied", overTheSocket.Errors, StringComparison.Ordinal);
        Assert.NotEqual(0, serverAccountOverTheSocket.ExitCode);
        Assert.Contains("no password supplied", serverAccountOverTheSocket.Errors, StringComparison.Ordinal);
        Assert.True(owner.ExitCode == 0, owner.Errors);
        Assert.Equal("postgres", owner.Output.Trim());
    }

    [Fact]
    public async Task A_kept_data_directory_is_the_owner_s_alone_and_takes_the_current_password_at_each_start()
    {
        var binaries = RequireAnotherAccount();
        var (first, firstHealth) = EmbeddedPostgres(KeptIn(_workspace.DataDirectory), "--Parameters:postgres-password=first-Password-0123456789");
        await using (var server = await EmbeddedServer.StartAsync((first, firstHealth), "first-Password-0123456789"))
        {
            Assert.Equal(0, (await PsqlAsync(binaries, null, first.PsqlUri)).ExitCode);
        }

        // A mode PostgreSQL itself would accept, but that lets the group in.
        File.SetUnixFileMode(first.Directory.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        var (second, secondHealth) = EmbeddedPostgres(KeptIn(_workspace.DataDirectory), "--Parameters:postgres-password=second-Password-0123456789");
        await using var again = await EmbeddedServer.StartAsync((second, secondHealth), "second-Password-0123456789");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(second.Directory.DataDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(second.Directory.PasswordFile));
        Assert.Equal(0, (await PsqlAsync(binaries, null, second.PsqlUri)).ExitCode);
        Assert.False(await CanConnectAsync(second, "first-Password-0123456789"), "the previous password still opens the server");
        Assert.NotEqual(0, (await PsqlAsync(binaries, "nobody", "-h", "127.0.0.1", "-p", Port(second), "-U", "postgres", "-d", "postgres", "-w")).ExitCode);
    }

    [Fact]
    public async Task A_kept_data_directory_made_with_trust_by_an_older_version_is_upgraded_with_its_data()
    {
        var binaries = RequireAnotherAccount();
        var embedded = EmbeddedPostgres(KeptIn(_workspace.DataDirectory));
        var postgres = embedded.Postgres;
        var data = postgres.Directory.DataDirectory;
        // What an older AppHost did: initdb with trust authentication, a server on 127.0.0.1, the database and its figures.
        Directory.CreateDirectory(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal(0, (await ChildProcess.RunAsync("chown", ["postgres:", data], CommandTimeout)).ExitCode);
        await RunAsServerAsync(binaries, "initdb", "-D", data, "-U", "postgres", "--auth", "trust", "-E", "UTF8", "--locale", "C", "--no-sync");
        using (var old = ChildProcess.Start(postgres.Command, await AppModel.ArgumentsAsync(postgres), postgres.WorkingDirectory))
        {
            await WaitUntilAnswersAsync(postgres, password: null, old);
            var open = await PsqlAsync(binaries, "nobody", "-h", "127.0.0.1", "-p", Port(postgres), "-U", "postgres", "-d", "postgres", "-w",
                "-c", "CREATE DATABASE energy_db");
            Assert.True(open.ExitCode == 0, $"the older server is not the open door this test upgrades: {open.Errors}");
            Assert.Equal(0, (await PsqlAsync(binaries, null, "-h", "127.0.0.1", "-p", Port(postgres), "-U", "postgres", "-d", "energy_db", "-w",
                "-c", "CREATE TABLE kept AS SELECT 42 AS figure")).ExitCode);
            await RunAsServerAsync(binaries, "pg_ctl", "stop", "-D", data, "-m", "fast", "-w");
        }

        await using var server = await EmbeddedServer.StartAsync(embedded, await PasswordAsync(postgres));

        Assert.Contains($"The embedded PostgreSQL data directory {data} let every local account in without a password", server.Notice, StringComparison.Ordinal);
        Assert.NotEqual(0, (await PsqlAsync(binaries, "nobody", "-h", "127.0.0.1", "-p", Port(postgres), "-U", "postgres", "-d", "postgres", "-w")).ExitCode);
        var owner = await PsqlAsync(binaries, null, postgres.PsqlUri, "-c", "SELECT figure FROM kept");
        Assert.True(owner.ExitCode == 0, owner.Errors);
        Assert.Equal("42", owner.Output.Trim());
    }

    /// <summary>The PostgreSQL binaries, when this test may act as another account (root, with runuser); else skipped.</summary>
    private static PostgresBinaries RequireAnotherAccount()
    {
        var binaries = AppHostWorkspace.RequirePostgresBinaries();
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess && File.Exists("/usr/sbin/runuser"), "acting as another OS account needs Linux, root and runuser");
        return binaries;
    }

    private static (EmbeddedPostgresResource Postgres, HealthCheckRegistration HealthCheck) EmbeddedPostgres(params string[] args)
    {
        var model = AppModel.Build(["--Pipeline:Infrastructure=embedded", .. args]);
        var healthChecks = model.Builder.Services.BuildServiceProvider().GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value;
        return (model.Resource<EmbeddedPostgresResource>("postgres"), healthChecks.Registrations.Single(r => r.Name == "postgres_check"));
    }

    private static string KeptIn(string directory) => $"--Pipeline:Embedded:DataDirectory={directory}";

    private static async Task<string> PasswordAsync(EmbeddedPostgresResource postgres) =>
        await postgres.Password.GetValueAsync(TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("no password");

    private static string Port(EmbeddedPostgresResource postgres) => postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>psql with <paramref name="arguments"/> (unaligned, tuples only), as <paramref name="account"/> or as this process's own.</summary>
    private static Task<ChildProcess.Result> PsqlAsync(PostgresBinaries binaries, string? account, params string[] arguments)
    {
        var psql = Path.Combine(binaries.BinDirectory, "psql");
        string[] query = arguments.Contains("-c") ? [] : ["-c", "SELECT current_user"];
        string[] command = [File.Exists(psql) ? psql : "psql", .. arguments, "-At", .. query];
        return account is null
            ? ChildProcess.RunAsync(command[0], command[1..], CommandTimeout)
            : ChildProcess.RunAsync("runuser", ["-u", account, "--", .. command], CommandTimeout);
    }

    private static async Task RunAsServerAsync(PostgresBinaries binaries, string program, params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(binaries.BinDirectory, program), .. arguments], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"{program}: {result.Errors}");
    }

    private static async Task<bool> CanConnectAsync(EmbeddedPostgresResource postgres, string? password)
    {
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = postgres.Port, Username = "postgres", Password = password, Database = "postgres", Pooling = false, Timeout = 5,
        }.ConnectionString;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAnswersAsync(EmbeddedPostgresResource postgres, string? password, ChildProcess.Running server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await CanConnectAsync(postgres, password))
        {
            Assert.False(server.HasExited, $"the server ended: {server.Errors}");
            Assert.True(DateTime.UtcNow < deadline, $"the server did not answer within a minute: {server.Errors}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The server as the AppHost runs it: its directory initialised for the password, then its command and arguments.</summary>
    private sealed class EmbeddedServer : IAsyncDisposable
    {
        private readonly EmbeddedPostgresResource _postgres;
        private readonly ChildProcess.Running _process;

        private EmbeddedServer(EmbeddedPostgresResource postgres, ChildProcess.Running process, string? notice)
        {
            _postgres = postgres;
            _process = process;
            Notice = notice;
        }

        /// <summary>What the initialisation had to say on the console.</summary>
        public string? Notice { get; }

        /// <summary>Initialises, starts and waits for the resource's health check, which creates the pipeline's database.</summary>
        public static async Task<EmbeddedServer> StartAsync((EmbeddedPostgresResource Postgres, HealthCheckRegistration HealthCheck) embedded, string password)
        {
            var (postgres, healthCheck) = embedded;
            var notice = await postgres.Directory.InitialiseAsync(password, TestContext.Current.CancellationToken);
            var process = ChildProcess.Start(postgres.Command, await AppModel.ArgumentsAsync(postgres), postgres.WorkingDirectory);
            var server = new EmbeddedServer(postgres, process, notice);
            await WaitUntilAnswersAsync(postgres, password, process);
            var health = await healthCheck.Factory(new ServiceCollection().BuildServiceProvider())
                .CheckHealthAsync(new HealthCheckContext { Registration = healthCheck }, TestContext.Current.CancellationToken);
            Assert.True(health.Status == HealthStatus.Healthy, health.Description);
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _postgres.Directory.DisposeAsync();
            _process.Dispose();
        }
    }

    public void Dispose() => _workspace.Dispose();
}
