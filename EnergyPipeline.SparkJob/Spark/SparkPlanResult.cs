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
    IReadOnlyList<string> IngestionTraceParents,
    IReadOnlyList<Aggregation.InvalidReasonCount> InvalidByReason)
{
    /// <summary>Winning copies per ingestion run id ('' for copies without the run id header).</summary>
    public IReadOnlyDictionary<string, long> WinningCopiesByRunId { get; init; } = new Dictionary<string, long>();

    /// <summary>The newest completed ingestion's messages present, and the messages after it, per partition.</summary>
    public IReadOnlyList<Runs.NewestIngestionPresence> NewestIngestion { get; init; } = [];
}
