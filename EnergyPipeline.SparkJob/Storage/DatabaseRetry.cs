using Npgsql;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// The job's calls to PostgreSQL: a call that fails on a connection a server restart has broken (pooled connections
/// die with the server) is retried once on a fresh connection; a server that does not answer is reported with the
/// service and its address (never the password).
/// </summary>
public sealed class DatabaseRetry(NpgsqlDataSource dataSource)
{
    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (Exception ex) when (IsBrokenConnection(ex) && !cancellationToken.IsCancellationRequested)
            {
                // Every idle connection of the pool died with the same server: open fresh ones.
                dataSource.Clear();
                return await call(cancellationToken);
            }
        }
        catch (NpgsqlException ex) when (ex is not PostgresException && !cancellationToken.IsCancellationRequested)
        {
            throw new DatabaseUnavailableException($"PostgreSQL ({PipelineNames.DatabaseConnection}) at {Address} did not answer while {what}: {ex.Message}", ex);
        }
    }

    public Task RunAsync(string what, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        RunAsync<bool>(what, async ct => { await call(ct); return true; }, cancellationToken);

    /// <summary>host:port of the database server, from the connection string.</summary>
    public string Address
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            return $"{builder.Host}:{(builder.Port > 0 ? builder.Port : NpgsqlConnection.DefaultPort)}";
        }
    }

    /// <summary>A connection that a restart or a terminated backend broke: the call never reached a live server session.</summary>
    public static bool IsBrokenConnection(Exception exception) => exception switch
    {
        // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, class 08: connection exceptions.
        PostgresException pg => pg.SqlState is "57P01" or "57P02" or "57P03" || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        // A timeout is a server that is slow or gone, not a broken pooled connection: retrying would only wait again.
        NpgsqlException npgsql => npgsql.IsTransient && npgsql.InnerException is not TimeoutException,
        _ => false,
    };
}

/// <summary>PostgreSQL could not be reached; the message names the service and its address.</summary>
public sealed class DatabaseUnavailableException(string message, Exception inner) : Exception(message, inner);
