using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// The Spark engine behind the job's engine seam: the job captures the snapshot (completion records, then end
/// offsets) with its own Kafka client, and one <see cref="SparkPlanRunner"/> run reads exactly that snapshot.
/// </summary>
public sealed class SparkEngine(SparkEngineOptions options, SparkPlanRunner engine, SnapshotSource snapshots) : IJobEngine
{
    public string Name => PipelineNames.SparkEngine;

    public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var snapshot = await Task.Run(() => snapshots.Capture(run.Topic, cancellationToken), cancellationToken).ConfigureAwait(false);
        var result = await engine.RunAsync(options with { Topic = run.Topic }, run.RunId, snapshot, cancellationToken).ConfigureAwait(false);

        // The snapshot's ranges, with the records Spark counted in each.
        var records = result.Offsets.ToDictionary(o => o.Partition, o => o.Records);
        var partitions = snapshot.Partitions.Select(p => p with { Messages = records.GetValueOrDefault(p.Partition) }).ToList();
        return new EngineResult(partitions, result.ReadingsRead, result.DuplicatesDropped, result.Invalid)
        {
            Evidence = result.Evidence,
            RawZoneUri = result.RawZoneUri,
            InvalidByReason = result.InvalidByReason,
            Unattributed = result.Unattributed,
            UnattributedSamples = result.UnattributedSamples,
            UnsignedCompletions = snapshot.UnsignedCompletions,
            UnreadableCompletions = snapshot.UnreadableCompletions,
        };
    }
}
