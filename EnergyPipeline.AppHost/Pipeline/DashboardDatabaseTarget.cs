using System.Data.Common;
using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Where a dashboard container (Grafana, pgweb) finds the energy database: the Postgres container by name on the
/// container network, or the configured server.
/// </summary>
internal sealed record DashboardDatabaseTarget(string Host, string Port, string Database, string SslMode)
{
    /// <summary>A container reaches its host's services here (Docker Desktop, and Docker Engine with host-gateway).</summary>
    internal const string ContainerHostAlias = "host.docker.internal";

    public static async Task<DashboardDatabaseTarget> ResolveAsync(IResourceWithConnectionString database, CancellationToken cancellationToken)
    {
        if (database is PostgresDatabaseResource container)
        {
            var port = container.Parent.PrimaryEndpoint.TargetPort ?? 5432;
            return new(container.Parent.Name, port.ToString(CultureInfo.InvariantCulture), container.DatabaseName, "disable");
        }

        var connectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new DistributedApplicationException($"{database.Name} has no connection string for a dashboard.");
        var settings = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var host = Value(settings, "Host", "Server") ?? throw new DistributedApplicationException($"The connection string of {database.Name} names no Host.");
        return new(
            host is "localhost" or "127.0.0.1" or "::1" ? ContainerHostAlias : host,
            Value(settings, "Port") ?? "5432",
            Value(settings, "Database") ?? throw new DistributedApplicationException($"The connection string of {database.Name} names no Database."),
            SslModeOf(Value(settings, "SSL Mode", "SslMode")));
    }

    private static string? Value(DbConnectionStringBuilder settings, params string[] keys) =>
        keys.Select(key => settings.TryGetValue(key, out var value) ? value?.ToString() : null).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    // Npgsql's modes to Grafana's; Npgsql's default, Prefer (and Allow), may fall back to plain text: so does disable.
    private static string SslModeOf(string? npgsqlMode) => npgsqlMode?.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
    {
        "REQUIRE" => "require",
        "VERIFYCA" => "verify-ca",
        "VERIFYFULL" => "verify-full",
        _ => "disable",
    };
}
