using EnergyPipeline.LocalInfrastructure;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// Who may log in to the embedded server: whoever knows the superuser's password (the AppHost's secret parameter
/// <c>postgres-password</c>), over TCP on 127.0.0.1 and over the socket alike (SCRAM-SHA-256). Every account of the
/// machine can reach 127.0.0.1, so the password is what keeps the others out; the owner's psql finds it in a password
/// file only the owner can read.
/// </summary>
internal static class EmbeddedPostgresAuthentication
{
    /// <summary>pg_hba.conf, written at every start: password authentication for every connection, nothing trusted.</summary>
    public const string HbaFile = """
        # Written by the EnergyPipeline AppHost at each start: every connection proves the password (SCRAM-SHA-256).
        # TYPE  DATABASE  USER  ADDRESS       METHOD
        local   all       all                 scram-sha-256
        host    all       all   127.0.0.1/32  scram-sha-256

        """;

    private const string HbaFileName = "pg_hba.conf";

    /// <summary>A custom server setting that carries the path of the password file into single-user mode.</summary>
    private const string PasswordFileSetting = "energy_pipeline.password_file";

    /// <summary>
    /// Sets the superuser's password from the file the server reads it from: the password never appears in a command
    /// line or in SQL text.
    /// </summary>
    private static readonly string SetPasswordSql =
        $"DO $set$ BEGIN EXECUTE format('ALTER ROLE %I PASSWORD %L', '{EmbeddedPostgresResource.SuperUser}', " +
        $"pg_read_file(current_setting('{PasswordFileSetting}'))); END $set$;\n";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether the data directory's pg_hba.conf lets anyone in without a password: a directory initialised with
    /// <c>trust</c>, as versions of the AppHost before password authentication did.
    /// </summary>
    public static bool Trusts(string dataDirectory)
    {
        var hba = Path.Combine(dataDirectory, HbaFileName);
        return File.Exists(hba) && File.ReadLines(hba)
            .Select(line => line.Split('#', 2)[0].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Contains("trust"));
    }

    /// <summary>Replaces the data directory's pg_hba.conf with <see cref="HbaFile"/>, readable by the server only.</summary>
    public static async Task WriteHbaFileAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var hba = Path.Combine(dataDirectory, HbaFileName);
        await WritePrivateFileAsync(hba, HbaFile, cancellationToken).ConfigureAwait(false);
        await EmbeddedPostgresDirectory.HandToServerAsync(hba).ConfigureAwait(false);
    }

    /// <summary>
    /// A password file for initdb's <c>--pwfile</c> and for <see cref="SetPasswordAsync"/>: the password alone, readable by
    /// the server's user only. The caller deletes it once used.
    /// </summary>
    public static async Task WriteServerPasswordFileAsync(string path, string password, CancellationToken cancellationToken)
    {
        await WritePrivateFileAsync(path, password, cancellationToken).ConfigureAwait(false);
        await EmbeddedPostgresDirectory.HandToServerAsync(path).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets the superuser's password of a stopped server's data directory to the one in <paramref name="passwordFile"/>,
    /// in single-user mode: no connection is needed, so it works whatever the authentication was.
    /// </summary>
    public static Task SetPasswordAsync(PostgresBinaries binaries, string dataDirectory, string passwordFile, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(EmbeddedPostgresDirectory.AsServerUser(binaries.Postgres),
        [
            .. EmbeddedPostgresDirectory.AsServerUserArguments(binaries.Postgres),
            "--single", "-D", dataDirectory, "-c", "exit_on_error=on", "-c", $"{PasswordFileSetting}={passwordFile}",
            EmbeddedPostgresResource.SuperUser,
        ], CommandTimeout, cancellationToken, standardInput: SetPasswordSql);

    /// <summary>
    /// The owner's password file for psql and any libpq client (mode 0600: libpq ignores a file others can read):
    /// the superuser's password for every port and database of 127.0.0.1.
    /// </summary>
    public static Task WriteClientPasswordFileAsync(string path, string password, CancellationToken cancellationToken) =>
        WritePrivateFileAsync(path, $"127.0.0.1:*:*:{EmbeddedPostgresResource.SuperUser}:{PgpassEscape(password)}\n", cancellationToken);

    // In a password file, ':' separates fields and '\' escapes; both are escaped with '\'.
    private static string PgpassEscape(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal).Replace(":", @"\:", StringComparison.Ordinal);

    /// <summary>Writes a file created with mode 0600: no moment in which another account could read it.</summary>
    private static async Task WritePrivateFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var file = new FileStream(path, options);
        await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
    }
}
