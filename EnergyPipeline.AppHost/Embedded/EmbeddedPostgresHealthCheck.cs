using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// Healthy once the server answers and the pipeline's database exists: the first healthy check creates it, so
/// nothing that waits for this resource sees the server without its database.
/// </summary>
internal sealed class EmbeddedPostgresHealthCheck(EmbeddedPostgresResource postgres) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(await postgres.MaintenanceConnectionStringAsync(cancellationToken).ConfigureAwait(false))
            {
                // No idle connection may hold the server: a smart shutdown waits for clients to leave.
                Pooling = false,
                Timeout = 5,
            }.ConnectionString;
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
            {
                Parameters = { new() { Value = postgres.DatabaseName } },
            };
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                // A database name cannot be a parameter; it is the model's constant, quoted as an identifier.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{postgres.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return HealthCheckResult.Healthy($"{postgres.PsqlUri} answers.");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL at 127.0.0.1:{postgres.Port} does not answer yet: {ex.Message}");
        }
    }
}
