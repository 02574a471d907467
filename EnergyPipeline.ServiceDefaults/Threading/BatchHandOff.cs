using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace EnergyPipeline.ServiceDefaults.Threading;

/// <summary>
/// Splits a per-message loop over two threads: the caller fills <see cref="Filling"/> and calls
/// <see cref="HandOver"/> when it is full; a thread of its own processes the full batches one at a time, in the order
/// they were handed over, and gives them back cleared. At most <c>maxBatches</c> batches exist (the caller waits for
/// one to come back when all are in use), so memory stays bounded however far the caller runs ahead.
/// </summary>
/// <remarks>
/// One caller thread. An exception of the processing is thrown to the caller at its next <see cref="HandOver"/> or at
/// <see cref="Complete"/>, and the batches after it are given back unprocessed; <see cref="Dispose"/> without
/// <see cref="Complete"/> (the caller's loop failed or was cancelled) processes nothing more and waits for the thread.
/// </remarks>
public sealed class BatchHandOff<TBatch> : IDisposable
    where TBatch : class
{
    private readonly Func<TBatch> _create;
    private readonly Action<TBatch> _process;
    private readonly Action<TBatch> _clear;
    private readonly int _maxBatches;

    // Unbounded queues: never more than _maxBatches batches exist.
    private readonly BlockingCollection<TBatch> _full = new(new ConcurrentQueue<TBatch>());
    private readonly BlockingCollection<TBatch> _free = new(new ConcurrentQueue<TBatch>());
    private readonly Thread _thread;
    private int _created;
    private volatile ExceptionDispatchInfo? _failure;
    private volatile bool _abandoned;
    private bool _completed;

    /// <param name="threadName">The processing thread's name (in a debugger and in profiles).</param>
    /// <param name="create">Makes an empty batch.</param>
    /// <param name="process">Processes a full batch, on the processing thread.</param>
    /// <param name="clear">Empties a processed batch for reuse, on the processing thread.</param>
    /// <param name="maxBatches">At least 2: one being filled, one being processed.</param>
    public BatchHandOff(string threadName, Func<TBatch> create, Action<TBatch> process, Action<TBatch> clear, int maxBatches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 2);
        _create = create;
        _process = process;
        _clear = clear;
        _maxBatches = maxBatches;
        Filling = NewBatch();
        _thread = new Thread(Process) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>The batch the caller fills.</summary>
    public TBatch Filling { get; private set; }

    /// <summary>Queues <see cref="Filling"/> for processing and makes another batch the one to fill.</summary>
    public void HandOver()
    {
        _failure?.Throw();
        _full.Add(Filling);
        Filling = _free.TryTake(out var free) ? free : _created < _maxBatches ? NewBatch() : _free.Take();
    }

    /// <summary>Queues <see cref="Filling"/>, waits until every batch is processed, and throws what the processing failed with.</summary>
    public void Complete()
    {
        _full.Add(Filling);
        _full.CompleteAdding();
        _thread.Join();
        _completed = true;
        _failure?.Throw();
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

    private TBatch NewBatch()
    {
        _created++;
        return _create();
    }

    private void Process()
    {
        foreach (var batch in _full.GetConsumingEnumerable())
        {
            // After a failure batches still come back, so a caller waiting for one is never left waiting.
            if (_failure is null && !_abandoned)
            {
                try
                {
                    _process(batch);
                }
                catch (Exception ex)
                {
                    _failure = ExceptionDispatchInfo.Capture(ex);
                }
            }

            _clear(batch);
            _free.Add(batch);
        }
    }
}
