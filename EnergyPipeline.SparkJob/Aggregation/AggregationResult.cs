namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>The figures of every quarter present, in quarter order, and the counts of what was read.</summary>
public sealed record AggregationResult(
    IReadOnlyList<QuarterFigures> Quarters,
    long MessagesRead,
    long DuplicatesDropped,
    long Invalid,
    IReadOnlyList<InvalidMessage> InvalidSamples)
{
    /// <summary>Distinct readings (minutes) kept after de-duplication.</summary>
    public long ReadingsKept => MessagesRead - DuplicatesDropped - Invalid;

    /// <summary>Minutes whose winning copy came from each ingestion, by the number given to <see cref="QuarterlyAggregator.Add(int, long, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ushort)"/>.</summary>
    public IReadOnlyList<long> WinningCopiesByIngestion { get; init; } = [];
}
