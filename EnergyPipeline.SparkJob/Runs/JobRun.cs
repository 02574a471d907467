namespace EnergyPipeline.SparkJob.Runs;

/// <summary>A run of the job: its id (the staging rows' run_id), the topic, and when it started.</summary>
public sealed record JobRun(Guid RunId, string Topic, DateTimeOffset StartedAt);
