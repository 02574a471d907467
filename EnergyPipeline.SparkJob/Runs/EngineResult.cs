
namespace EnergyPipeline.SparkJob.Runs;

/// <summary>
/// What an engine read: the offsets per partition, every reading read (<see cref="ReadingsRead"/>: the messages of
/// completed ingestions, duplicates and invalid ones included), the copies dropped by de-duplication, and the messages
/// that broke the contract. Messages of no completed ingestion are counted apart (<see cref="Unattributed"/>).
/// </summary>
public sealed record EngineResult(
    IReadOnlyList<PartitionRead> Partitions,
    long ReadingsRead,
    long DuplicatesDropped,
    long Invalid)
{
    /// <summary>Where the figures come from, checked by <c>Orchestration.CompletenessCheck</c> before anything is published.</summary>
    public required CompletenessEvidence Evidence { get; init; }

    /// <summary>The invalid messages by reason (in the validity rules' order), with a few samples of each.</summary>
    public IReadOnlyList<Aggregation.InvalidReasonCount> InvalidByReason { get; init; } = [];

    /// <summary>Messages read that no completion record covers: neither validated nor used.</summary>
    public long Unattributed { get; init; }

    /// <summary>A few of the <see cref="Unattributed"/> messages (at most <see cref="UnattributedMessages.DefaultSamples"/>), to find them by.</summary>
    public IReadOnlyList<UnattributedMessage> UnattributedSamples { get; init; } = [];

    /// <summary>Completion records refused for a missing or wrong MAC (they attribute nothing); null when the job has no key.</summary>
    public IReadOnlyList<UnsignedCompletion>? UnsignedCompletions { get; init; }

    /// <summary>Offsets of the control topic's messages that are no completion record (they attribute nothing).</summary>
    public IReadOnlyList<long> UnreadableCompletions { get; init; } = [];

    /// <summary>Where the engine wrote the run's cleaned readings (the Spark raw zone), if anywhere.</summary>
    public string? RawZoneUri { get; init; }
}

/// <summary>
/// A partition's snapshot: messages read from <see cref="StartOffset"/> (inclusive) to <see cref="EndOffset"/>
/// (exclusive, the high watermark captured at start). <see cref="Messages"/> may be fewer than the span (compaction).
/// </summary>
public sealed record PartitionRead(int Partition, long StartOffset, long EndOffset, long Messages);
