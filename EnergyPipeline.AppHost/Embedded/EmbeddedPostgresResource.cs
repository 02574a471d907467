using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// A PostgreSQL server run from the local binaries: loopback only, trust authentication (nothing else can connect),
/// its own free port, its data kept between runs or thrown away (<see cref="EmbeddedPostgresDirectory"/>). Its
/// connection string names the one database the pipeline uses.
/// </summary>
public sealed class EmbeddedPostgresResource(string name, string command, EmbeddedPostgresDirectory directory, int port, string databaseName)
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

    /// <summary>What a person pastes: psql takes a URI, not an Npgsql connection string. No password: loopback trusts.</summary>
    public string PsqlUri => string.Create(CultureInfo.InvariantCulture, $"postgresql://{SuperUser}@127.0.0.1:{Port}/{DatabaseName}");

    public string MaintenanceConnectionString => ConnectionString("postgres");

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var value = ConnectionString(DatabaseName);
            return ReferenceExpression.Create($"{value}");
        }
    }

    private string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username={SuperUser};Database={database}");
}
