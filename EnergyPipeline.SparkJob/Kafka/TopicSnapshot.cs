using System.Globalization;
using System.Text.Json;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.SparkJob.Kafka;

/// <summary>
/// What a run reads, fixed at its start: the completion records of the control topic (in the order they were
/// written, the newest last) and, captured after them, each data partition's range from its low watermark to its
/// high watermark. Every completion seen then has all its messages below the captured ends (the ingestor writes its
/// completion only after every delivery is confirmed). <see cref="Completions"/> holds the verified records only.
/// </summary>
public sealed record TopicSnapshot(string Topic, IReadOnlyList<PartitionRead> Partitions, IReadOnlyList<IngestionCompletion> Completions)
{
    /// <summary>The records refused for a missing or wrong MAC; null when the job has no key and verified none.</summary>
    public IReadOnlyList<UnsignedCompletion>? UnsignedCompletions { get; init; }

    /// <summary>The offsets of the control topic's messages that are no completion record (<see cref="CompletionRecords.Unreadable"/>).</summary>
    public IReadOnlyList<long> UnreadableCompletions { get; init; } = [];

    /// <summary>Which completed ingestion each offset of the snapshot belongs to.</summary>
    public OffsetAttribution Attribution { get; } = OffsetAttribution.From(Completions);

    /// <summary>Spark's <c>assign</c> option: every partition of the snapshot, <c>{"topic":[0,1,2]}</c>.</summary>
    public string AssignJson() => JsonSerializer.Serialize(new Dictionary<string, int[]> { [Topic] = Partitions.Select(p => p.Partition).ToArray() });

    /// <summary>Spark's <c>endingOffsets</c> option: <c>{"topic":{"0":123,"1":456}}</c>, the captured end offsets (exclusive).</summary>
    public string EndingOffsetsJson() => OffsetsJson(p => p.EndOffset);

    /// <summary>Spark's <c>startingOffsets</c> option: the captured low watermarks.</summary>
    public string StartingOffsetsJson() => OffsetsJson(p => p.StartOffset);

    private string OffsetsJson(Func<PartitionRead, long> offset) => JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, long>>
    {
        [Topic] = Partitions.ToDictionary(p => p.Partition.ToString(CultureInfo.InvariantCulture), offset),
    });
}
