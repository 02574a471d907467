using EnergyPipeline.Messaging;

namespace EnergyPipeline.SparkJob.Runs;

/// <summary>
/// What an engine found out about where its figures come from, for <c>Orchestration.CompletenessCheck</c>: the completion
/// records of its snapshot, how many winning copies (de-duplicated valid readings) each ingestion run contributed,
/// and, per partition of the newest completed ingestion, how many of its messages the snapshot holds and how many
/// messages follow its last offset there (copies that compaction may have let replace it).
/// </summary>
public sealed record CompletenessEvidence(
    IReadOnlyList<IngestionCompletion> Completions,
    IReadOnlyDictionary<string, long> WinningCopiesByRunId,
    IReadOnlyList<NewestIngestionPresence> NewestIngestion)
{
    /// <summary>The run-id key of messages without the run id header.</summary>
    public const string NoRunId = "";

    /// <summary>Nothing known about ingestions: for figures staged without reading Kafka (benchmarks, store tests).</summary>
    public static readonly CompletenessEvidence None = new([], new Dictionary<string, long>(), []);
}

/// <summary>The newest completed ingestion in one partition: its messages present, and the messages after its last offset.</summary>
public sealed record NewestIngestionPresence(int Partition, long Present, long Later);
