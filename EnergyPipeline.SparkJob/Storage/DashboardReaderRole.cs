using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// The read-only login a dashboard (Grafana, pgweb) queries with: SELECT on the figures and the run log, nothing else,
/// and read-only transactions by default. The job provisions one per dashboard after migrating, under the migration
/// lock, whenever <c>Pipeline:DASHBOARD:ReaderRole</c> and <c>Pipeline:DASHBOARD:ReaderPassword</c> are set (the
/// AppHost sets them for each dashboard it declares). Re-running sets the same rights and the current password.
/// </summary>
public sealed record DashboardReaderRole(string Role, string Password)
{
    public const string Grafana = "Grafana";
    public const string PgWeb = "PgWeb";

    /// <summary>The dashboards a reader role can be configured for, as their configuration sections name them.</summary>
    public static readonly IReadOnlyList<string> Dashboards = [Grafana, PgWeb];

    /// <summary>The tables the role may read.</summary>
    public static readonly IReadOnlyList<string> ReadableTables = [EnergySchema.QuarterlyTable, EnergySchema.RunsTable];

    public static string RoleSetting(string dashboard) => $"Pipeline:{dashboard}:ReaderRole";

    public static string PasswordSetting(string dashboard) => $"Pipeline:{dashboard}:ReaderPassword";

    /// <summary>The roles configured, one per dashboard that has both settings.</summary>
    public static IReadOnlyList<DashboardReaderRole> FromConfiguration(IConfiguration configuration) =>
        Dashboards
            .Where(d => configuration[RoleSetting(d)] is { Length: > 0 } && configuration[PasswordSetting(d)] is { Length: > 0 })
            .Select(d => new DashboardReaderRole(configuration[RoleSetting(d)]!, configuration[PasswordSetting(d)]!))
            .ToList();

    /// <summary>
    /// Creates or updates the role. Role DDL takes no bind parameters, so name and password travel as parameters into
    /// transaction-local settings and a DO block quotes them with format(%I, %L): they never appear in SQL text.
    /// </summary>
    public async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var settings = new NpgsqlCommand(
            "SELECT set_config('energy_pipeline.reader_role', @role, true), set_config('energy_pipeline.reader_password', @password, true)",
            connection, transaction))
        {
            settings.Parameters.AddWithValue("role", Role);
            settings.Parameters.AddWithValue("password", Password);
            await settings.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var ensure = new NpgsqlCommand($"""
            DO $ensure$
            DECLARE
              reader   text := current_setting('energy_pipeline.reader_role');
              secret   text := current_setting('energy_pipeline.reader_password');
            BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = reader) THEN
                EXECUTE format('CREATE ROLE %I', reader);
              END IF;
              EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION PASSWORD %L', reader, secret);
              EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', reader);
              EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), reader);
              EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', reader);
              EXECUTE format('GRANT SELECT ON {string.Join(", ", ReadableTables)} TO %I', reader);
            END
            $ensure$
            """, connection, transaction))
        {
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    // The record's generated text would print the password.
    public override string ToString() => $"DashboardReaderRole {{ Role = {Role} }}";
}
