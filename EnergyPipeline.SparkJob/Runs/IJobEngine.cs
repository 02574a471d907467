namespace EnergyPipeline.SparkJob.Runs;

/// <summary>
/// One way of computing the quarterly figures of the whole topic. An engine reads the topic,
/// aggregates, and fills <c>quarterly_energy_staging</c> with the rows of <see cref="JobRun.RunId"/> (the local engine
/// through binary COPY, the Spark engine through JDBC). It never touches <c>quarterly_energy_data</c> or
/// <c>pipeline_runs</c>: the job runner (<c>Orchestration.JobRunner</c>) creates the schema and the run row before, and publishes the
/// staging rows in one transaction after.
/// </summary>
public interface IJobEngine
{
    /// <summary>The engine's name as recorded in <c>pipeline_runs.engine</c>: <c>local</c> or <c>spark</c>.</summary>
    string Name { get; }

    Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken);
}
