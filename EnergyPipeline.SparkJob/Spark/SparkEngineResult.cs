namespace EnergyPipeline.SparkJob.Spark;

/// <summary>The offsets one run read from one partition (inclusive), and how many records that was.</summary>
public sealed record PartitionOffsets(int Partition, long MinOffset, long MaxOffset, long Records);

/// <summary>What a Spark engine run read and wrote; the quarterly rows are in the staging table under the run id.</summary>
public sealed record SparkEngineResult(
    string SparkVersion,
    IReadOnlyList<PartitionOffsets> Offsets,
    long ReadingsRead,
    long Invalid,
    long DuplicatesDropped,
    long Readings,
    int Quarters,
    string RawZoneUri,
    IReadOnlyList<string> IngestionTraceParents,
    IReadOnlyList<Aggregation.InvalidReasonCount> InvalidByReason);
