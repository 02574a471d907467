using Microsoft.Extensions.Logging;
using Npgsql;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// Brings the database to the latest <see cref="EnergySchema.Migrations"/>: each pending migration in its own
/// transaction, recorded in <c>schema_version</c>, under a session advisory lock so two jobs never migrate at once.
/// Running it again is a no-op. With a <see cref="DashboardReaderRole"/> it then provisions that role, under the same lock.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger, DashboardReaderRole? readerRole = null)
{
    /// <summary>Key of the advisory lock that serialises migrations ("EnPipMig").</summary>
    public const long MigrationLockKey = 0x456E5069704D6967;

    /// <summary>Applies the pending migrations and returns the schema version now in place.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
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

            await using var current = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {EnergySchema.VersionTable}", connection);
            var version = (int)(await current.ExecuteScalarAsync(cancellationToken))!;
            foreach (var migration in EnergySchema.Migrations.Where(m => m.Version > version).OrderBy(m => m.Version))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await ExecuteAsync(connection, transaction,
                    $"INSERT INTO {EnergySchema.VersionTable} (version, description) VALUES (@version, @description)",
                    cancellationToken, ("version", migration.Version), ("description", migration.Description));
                await transaction.CommitAsync(cancellationToken);
                LogMigrated(migration.Version, migration.Description);
                version = migration.Version;
            }

            if (readerRole is not null)
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
