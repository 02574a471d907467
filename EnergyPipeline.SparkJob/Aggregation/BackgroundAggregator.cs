using System.Runtime.CompilerServices;
using EnergyPipeline.ServiceDefaults.Threading;

namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>
/// Feeds a <see cref="QuarterlyAggregator"/> on a thread of its own, so that reading a topic and aggregating it use
/// two cores: <see cref="Add"/> copies each message into a <see cref="MessageBatch"/>, and each full batch is
/// aggregated on the second thread (<see cref="BatchHandOff{TBatch}"/>: bounded, in the order filled). The aggregator
/// sees the messages in the order they were added, so the figures, counts and invalid samples are those of feeding it
/// directly. A failure of the aggregation (a position beyond what a minute's slot keeps) is thrown to the caller at
/// its next hand-over or at <see cref="Complete"/>.
/// </summary>
public sealed class BackgroundAggregator : IDisposable
{
    /// <summary>About 5,000 messages of the contract (about 210 bytes each with their header).</summary>
    public const int DefaultBatchBytes = 1 << 20;

    /// <summary>One being filled, one being aggregated, two waiting: 4 MiB in all.</summary>
    public const int DefaultMaxBatches = 4;

    private readonly QuarterlyAggregator _aggregator;
    private readonly BatchHandOff<MessageBatch> _batches;

    public BackgroundAggregator(QuarterlyAggregator aggregator, int batchBytes = DefaultBatchBytes, int maxBatches = DefaultMaxBatches)
    {
        _aggregator = aggregator;
        _batches = new BatchHandOff<MessageBatch>(
            "Aggregation", () => new MessageBatch(batchBytes), batch => batch.AddTo(aggregator), batch => batch.Clear(), maxBatches);
    }

    /// <summary>Adds one message (as <see cref="QuarterlyAggregator.Add(int, long, ReadOnlySpan{byte}, bool, ReadOnlySpan{byte}, bool, ushort)"/>); its bytes are copied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(int partition, long offset, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, ushort ingestion)
    {
        if (_batches.Filling.TryAdd(partition, offset, key, hasKey, value, hasValue, ingestion))
        {
            return;
        }

        _batches.HandOver();
        _batches.Filling.TryAdd(partition, offset, key, hasKey, value, hasValue, ingestion);
    }

    /// <summary>Waits until every message added is aggregated and returns the aggregator; throws what the aggregation failed with.</summary>
    public QuarterlyAggregator Complete()
    {
        _batches.Complete();
        return _aggregator;
    }

    public void Dispose() => _batches.Dispose();
}
