namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>The figures of every quarter present, in quarter order, and the counts of what was read.</summary>
/// <param name="InvalidSamples">The samples of <paramref name="InvalidByReason"/>, reason after reason.</param>
/// <param name="InvalidByReason">Every reason seen, in the order of the validity rules, with its count and first samples.</param>
public sealed record AggregationResult(
    IReadOnlyList<QuarterFigures> Quarters,
    long MessagesRead,
    long DuplicatesDropped,
    long Invalid,
    IReadOnlyList<InvalidMessage> InvalidSamples,
    IReadOnlyList<InvalidReasonCount> InvalidByReason)
{
    /// <summary>Distinct readings (minutes) kept after de-duplication.</summary>
    public long ReadingsKept => MessagesRead - DuplicatesDropped - Invalid;

    /// <summary>Minutes whose winning copy came from each ingestion, by the number given to <see cref="QuarterlyAggregator.Add(int, long, byte[], byte[], ushort)"/>.</summary>
    public IReadOnlyList<long> WinningCopiesByIngestion { get; init; } = [];
}
