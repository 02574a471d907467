using System.Globalization;
using EnergyPipeline.Connectivity;
using Npgsql;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// Opens one connection within the connect timeout before the job starts: an unreachable server, a refused login or
/// a missing database fails at once with one line naming the address, the setting and the cause.
/// </summary>
public static class PostgresProbe
{
    /// <summary>Parses the connection string; a malformed one is a configuration error naming the setting.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string connectionString, string setting)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ConnectionSettingException($"{setting} is not a valid PostgreSQL connection string (Host=...;Database=...;Username=...): {ex.Message}");
        }
    }

    public static async Task CheckAsync(string connectionString, string setting, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var builder = Parse(connectionString, setting);
        builder.Timeout = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, 1024);
        builder.Pooling = false;
        var address = string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}/{builder.Database}");
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new ServiceUnreachableException($"PostgreSQL at {address} ({setting}) refused the connection: {ex.MessageText} ({ex.SqlState})");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw new ServiceUnreachableException($"Cannot reach PostgreSQL at {address} ({setting}): {ConnectionFailureCause.Describe(ex, timeout)}");
        }
    }
}
