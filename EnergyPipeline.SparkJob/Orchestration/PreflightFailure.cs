using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EnergyPipeline.SparkJob.Orchestration;

/// <summary>
/// A run that fails its pre-flight check (Kafka or Spark Connect unreachable) once PostgreSQL has answered: it is recorded
/// in <c>pipeline_runs</c> like every failed run, directly as <c>failed</c>, so the run log says why nothing was published.
/// </summary>
public static class PreflightFailure
{
    /// <summary>
    /// Records the failure and returns the error for the summary line: as given, or with the recording's own failure
    /// after it when that failed too (the cause comes first).
    /// </summary>
    public static async Task<string> RecordAsync(string connectionString, string engine, string topic, string error, DateTimeOffset startedAt)
    {
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
            await new QuarterlyStore(dataSource).RecordFailedStartAsync(
                new JobRun(Guid.NewGuid(), topic, startedAt), engine, error, CancellationToken.None);
            return error;
        }
        catch (Exception recording)
        {
            return $"{error} (recording this failure in {EnergySchema.RunsTable} failed too: {recording.GetType().Name}: {recording.Message})";
        }
    }
}
