using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>
/// Feeds a <see cref="QuarterlyAggregator"/> on a thread of its own, so that reading a topic and aggregating it use
/// two cores: <see cref="Add"/> copies each message into a <see cref="MessageBatch"/>, and each full batch goes to
/// the aggregation thread through a queue. At most <c>maxBatches</c> batches of <c>batchBytes</c> exist (the caller
/// waits for one to come back when all are full), so memory stays bounded however far the reader runs ahead.
/// Batches are aggregated one at a time in the order they were filled: the aggregator sees the messages in the order
/// they were added, so the figures, counts and invalid samples are those of feeding it directly.
/// </summary>
/// <remarks>
/// One caller thread. A failure of the aggregation (a position beyond what a minute's slot keeps) is thrown to the
/// caller at its next hand-over or at <see cref="Complete"/>; <see cref="Dispose"/> without <see cref="Complete"/>
/// (the read failed) stops the aggregation.
/// </remarks>
public sealed class BackgroundAggregator : IDisposable
{
    /// <summary>About 5,000 messages of the contract (about 210 bytes each with their header).</summary>
    public const int DefaultBatchBytes = 1 << 20;

    /// <summary>One being filled, one being aggregated, two waiting: 4 MiB in all.</summary>
    public const int DefaultMaxBatches = 4;

    private readonly QuarterlyAggregator _aggregator;
    private readonly int _batchBytes;
    private readonly int _maxBatches;

    // Unbounded: never more than _maxBatches batches exist.
    private readonly BlockingCollection<MessageBatch> _full = new(new ConcurrentQueue<MessageBatch>());
    private readonly BlockingCollection<MessageBatch> _free = new(new ConcurrentQueue<MessageBatch>());
    private readonly Thread _thread;
    private MessageBatch _filling;
    private int _created;
    private volatile ExceptionDispatchInfo? _failure;
    private volatile bool _abandoned;
    private bool _completed;

    public BackgroundAggregator(QuarterlyAggregator aggregator, int batchBytes = DefaultBatchBytes, int maxBatches = DefaultMaxBatches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 2);
        _aggregator = aggregator;
        _batchBytes = batchBytes;
        _maxBatches = maxBatches;
        _filling = NewBatch();
        _thread = new Thread(Aggregate) { IsBackground = true, Name = "Aggregation" };
        _thread.Start();
    }

    /// <summary>Adds one message (as <see cref="QuarterlyAggregator.Add(int, long, ReadOnlySpan{byte}, bool, ReadOnlySpan{byte}, bool, ushort)"/>); its bytes are copied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(int partition, long offset, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, ushort ingestion)
    {
        if (_filling.TryAdd(partition, offset, key, hasKey, value, hasValue, ingestion))
        {
            return;
        }

        HandOver();
        _filling.TryAdd(partition, offset, key, hasKey, value, hasValue, ingestion);
    }

    /// <summary>Waits until every message added is aggregated and returns the aggregator; throws what the aggregation failed with.</summary>
    public QuarterlyAggregator Complete()
    {
        if (_filling.Count > 0)
        {
            _full.Add(_filling);
        }

        _full.CompleteAdding();
        _thread.Join();
        _completed = true;
        _failure?.Throw();
        return _aggregator;
    }

    public void Dispose()
    {
        if (!_completed)
        {
            _abandoned = true;
            _full.CompleteAdding();
            _thread.Join();
        }

        _full.Dispose();
        _free.Dispose();
    }

    private void HandOver()
    {
        _failure?.Throw();
        _full.Add(_filling);
        _filling = _free.TryTake(out var free) ? free : _created < _maxBatches ? NewBatch() : _free.Take();
    }

    private MessageBatch NewBatch()
    {
        _created++;
        return new MessageBatch(_batchBytes);
    }

    private void Aggregate()
    {
        foreach (var batch in _full.GetConsumingEnumerable())
        {
            // After a failure batches still come back empty, so a caller waiting for one is never left waiting.
            if (_failure is null && !_abandoned)
            {
                try
                {
                    batch.AddTo(_aggregator);
                }
                catch (Exception ex)
                {
                    _failure = ExceptionDispatchInfo.Capture(ex);
                }
            }

            batch.Clear();
            _free.Add(batch);
        }
    }
}
