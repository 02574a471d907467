using Aspire.Hosting.ApplicationModel;
using Npgsql;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// A PostgreSQL server run from the local binaries: loopback only, its own free port, its data kept between runs or
/// thrown away (<see cref="EmbeddedPostgresDirectory"/>), and the superuser's password the secret parameter
/// <see cref="Password"/> (<see cref="EmbeddedPostgresAuthentication"/>). Its connection string names the one
/// database the pipeline uses.
/// </summary>
public sealed class EmbeddedPostgresResource(
    string name, string command, EmbeddedPostgresDirectory directory, int port, string databaseName, ParameterResource password)
    : ExecutableResource(name, command, directory.Root), IResourceWithConnectionString
{
    public const string SuperUser = "postgres";

    public const string MissingBinariesMessage =
        "No PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or on PATH. " +
        "Install them (Debian/Ubuntu: apt-get install postgresql), or start Docker or Podman so the AppHost runs PostgreSQL in a container, " +
        "or give an existing database as ConnectionStrings:energy_db.";

    public EmbeddedPostgresDirectory Directory { get; } = directory;

    public int Port { get; } = port;

    public string DatabaseName { get; } = databaseName;

    /// <summary>The superuser's password.</summary>
    public ParameterResource Password { get; } = password;

    /// <summary>
    /// What a person pastes: psql takes a URI, not an Npgsql connection string. The password is not in it: the URI names
    /// the owner's password file (mode 0600), which psql, like any libpq client, reads.
    /// </summary>
    public string PsqlUri => string.Create(CultureInfo.InvariantCulture,
        $"postgresql://{SuperUser}@127.0.0.1:{Port}/{DatabaseName}?passfile={Uri.EscapeDataString(Directory.PasswordFile).Replace("%2F", "/", StringComparison.Ordinal)}");

    /// <summary>The server's maintenance database <c>postgres</c>, as the superuser.</summary>
    public async Task<string> MaintenanceConnectionStringAsync(CancellationToken cancellationToken) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = SuperUser,
            Password = await Password.GetValueAsync(cancellationToken).ConfigureAwait(false),
            Database = "postgres",
        }.ConnectionString;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={SuperUser};Password={Password};Database={DatabaseName}");
}
