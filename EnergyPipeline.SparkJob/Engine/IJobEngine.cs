using EnergyPipeline.SparkJob.Aggregation;

namespace EnergyPipeline.SparkJob.Engine;

/// <summary>
/// One way of computing the quarterly figures of the whole topic (DESIGN section 5). An engine reads the topic,
/// aggregates, and fills <c>quarterly_energy_staging</c> with the rows of <see cref="JobRun.RunId"/> (the local engine
/// through binary COPY, the Spark engine through JDBC). It never touches <c>quarterly_energy_data</c> or
/// <c>pipeline_runs</c>: the <see cref="JobRunner"/> creates the schema and the run row before, and publishes the
/// staging rows in one transaction after.
/// </summary>
public interface IJobEngine
{
    /// <summary>The engine's name as recorded in <c>pipeline_runs.engine</c>: <c>local</c> or <c>spark</c>.</summary>
    string Name { get; }

    Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken);
}

/// <summary>A run of the job: its id (the staging rows' run_id), the topic, and when it started.</summary>
public sealed record JobRun(Guid RunId, string Topic, DateTimeOffset StartedAt);

/// <summary>
/// What an engine read: the offsets per partition, every message read (<see cref="ReadingsRead"/>, duplicates and
/// invalid ones included), the copies dropped by de-duplication, and the messages that broke the contract.
/// </summary>
public sealed record EngineResult(
    IReadOnlyList<PartitionRead> Partitions,
    long ReadingsRead,
    long DuplicatesDropped,
    long Invalid)
{
    /// <summary>Where the figures come from, checked by <see cref="CompletenessCheck"/> before anything is published.</summary>
    public required CompletenessEvidence Evidence { get; init; }

    /// <summary>The invalid messages by reason (in the validity rules' order), with a few samples of each.</summary>
    public IReadOnlyList<Aggregation.InvalidReasonCount> InvalidByReason { get; init; } = [];

    /// <summary>Where the engine wrote the run's cleaned readings (the Spark raw zone), if anywhere.</summary>
    public string? RawZoneUri { get; init; }
}

/// <summary>
/// A partition's snapshot: messages read from <see cref="StartOffset"/> (inclusive) to <see cref="EndOffset"/>
/// (exclusive, the high watermark captured at start). <see cref="Messages"/> may be fewer than the span (compaction).
/// </summary>
public sealed record PartitionRead(int Partition, long StartOffset, long EndOffset, long Messages);
