using Microsoft.Extensions.Logging;
using Npgsql;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// Brings the database to the latest <see cref="EnergySchema.Migrations"/>: each pending migration in its own
/// transaction, recorded in <c>schema_version</c>, under a session advisory lock so two jobs never migrate at once.
/// Running it again is a no-op. With <see cref="DashboardReaderRole"/>s it then provisions those roles, under the same lock.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger, IEnumerable<DashboardReaderRole>? readerRoles = null)
{
    private readonly IReadOnlyList<DashboardReaderRole> _readerRoles = readerRoles?.ToList() ?? [];

    /// <summary>Key of the advisory lock that serialises migrations ("EnPipMig").</summary>
    public const long MigrationLockKey = 0x456E5069704D6967;

    /// <summary>Applies the pending migrations and returns the schema version now in place.</summary>
    public Task<int> MigrateAsync(CancellationToken cancellationToken) =>
        new DatabaseRetry(dataSource).RunAsync("migrating the schema", MigrateOnceAsync, cancellationToken);

    private async Task<int> MigrateOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", MigrationLockKey));
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE TABLE IF NOT EXISTS {EnergySchema.VersionTable} (
                    version     integer     PRIMARY KEY,
                    description text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            // Every migration not yet recorded, not only those above the highest: versions written on parallel
            // branches (2 and 3 here) each depend on version 1 only, and a database may hold one without the other.
            var applied = new HashSet<int>();
            await using (var current = new NpgsqlCommand($"SELECT version FROM {EnergySchema.VersionTable}", connection))
            await using (var reader = await current.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var version = applied.Count == 0 ? 0 : applied.Max();
            foreach (var migration in EnergySchema.Migrations.Where(m => !applied.Contains(m.Version)).OrderBy(m => m.Version))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await ExecuteAsync(connection, transaction,
                    $"INSERT INTO {EnergySchema.VersionTable} (version, description) VALUES (@version, @description)",
                    cancellationToken, ("version", migration.Version), ("description", migration.Description));
                await transaction.CommitAsync(cancellationToken);
                LogMigrated(migration.Version, migration.Description);
                version = Math.Max(version, migration.Version);
            }

            foreach (var readerRole in _readerRoles)
            {
                await readerRole.EnsureAsync(connection, cancellationToken);
                LogReaderRole(readerRole.Role);
            }

            return version;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", MigrationLockKey));
        }
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read-only role {Role} provisioned for the dashboard")]
    private partial void LogReaderRole(string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema migrated to version {Version}: {Description}")]
    private partial void LogMigrated(int version, string description);
}
