using EnergyPipeline.SparkJob.Engine;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>The Spark engine behind the job's engine seam: one <see cref="SparkEngine"/> run per job run.</summary>
public sealed class SparkJobEngine(SparkEngineOptions options, SparkEngine engine) : IJobEngine
{
    public string Name => PipelineOptions.SparkEngine;

    public async Task<EngineResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var result = await engine.RunAsync(options with { Topic = run.Topic }, run.RunId, cancellationToken).ConfigureAwait(false);

        // Spark reports the first and last offset it read; the seam records the end exclusive, like a watermark.
        var partitions = result.Offsets
            .Select(o => new PartitionRead(o.Partition, o.MinOffset, o.MaxOffset + 1, o.Records))
            .ToList();
        return new EngineResult(partitions, result.ReadingsRead, result.DuplicatesDropped, result.Invalid)
        {
            RawZoneUri = result.RawZoneUri,
            InvalidByReason = result.InvalidByReason,
        };
    }
}
