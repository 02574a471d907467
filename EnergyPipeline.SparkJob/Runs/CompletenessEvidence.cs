namespace EnergyPipeline.SparkJob.Runs;

/// <summary>
/// What an engine found out about where its figures come from, for <c>Orchestration.CompletenessCheck</c>: the
/// snapshot's <see cref="Attribution"/>, how many messages of each attributed run the snapshot holds, and how many
/// winning copies (the readings kept) each ingestion supplied.
/// </summary>
/// <param name="PresentByRun">Messages read per run, indexed like <see cref="OffsetAttribution.Runs"/>.</param>
/// <param name="WinningCopiesByIngestion">Readings kept per ingestion, indexed like <see cref="OffsetAttribution.Ingestions"/>.</param>
public sealed record CompletenessEvidence(
    OffsetAttribution Attribution,
    IReadOnlyList<long> PresentByRun,
    IReadOnlyList<long> WinningCopiesByIngestion)
{
    /// <summary>Nothing known about ingestions: for figures staged without reading Kafka (benchmarks, store tests).</summary>
    public static readonly CompletenessEvidence None = new(OffsetAttribution.None, [], []);

    /// <summary>The numbers of the ingestions that supply at least one reading kept, oldest first.</summary>
    public IEnumerable<int> Contributing =>
        Enumerable.Range(0, WinningCopiesByIngestion.Count).Where(i => WinningCopiesByIngestion[i] > 0);

    /// <summary>The completion records of the ingestions that supply at least one reading kept, oldest first.</summary>
    public IReadOnlyList<Messaging.IngestionCompletion> ContributingIngestions =>
        Contributing.Select(i => Attribution.Ingestions[i]).ToList();
}
