namespace EnergyPipeline.SparkJob.Spark;

/// <summary>The offsets one run read from one partition (inclusive), and how many records that was.</summary>
public sealed record PartitionOffsets(int Partition, long MinOffset, long MaxOffset, long Records);

/// <summary>What a Spark engine run read and wrote; the quarterly rows are in the staging table under the run id.</summary>
public sealed record SparkPlanResult(
    string SparkVersion,
    IReadOnlyList<PartitionOffsets> Offsets,
    long ReadingsRead,
    long Invalid,
    long DuplicatesDropped,
    long Readings,
    int Quarters,
    string RawZoneUri,
    IReadOnlyList<Aggregation.InvalidReasonCount> InvalidByReason)
{
    /// <summary>The snapshot's attribution with what Spark counted: messages present per run, readings kept per ingestion.</summary>
    public required Runs.CompletenessEvidence Evidence { get; init; }

    /// <summary>Records in no attributed run, and the first few of them.</summary>
    public long Unattributed { get; init; }

    public IReadOnlyList<Runs.UnattributedMessage> UnattributedSamples { get; init; } = [];
}
