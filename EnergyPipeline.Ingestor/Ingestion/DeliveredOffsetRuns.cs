using EnergyPipeline.Messaging;

namespace EnergyPipeline.Ingestor.Ingestion;

/// <summary>
/// Per partition, the runs of consecutive acknowledged offsets. Reports of one partition arrive in offset order,
/// so a report extends the open run in place and allocates nothing; a gap (another producer's messages between two
/// of this run's batches) closes it. Runs are sorted and coalesced when read, so reports out of order are safe too.
/// </summary>
internal sealed class DeliveredOffsetRuns
{
    private readonly Lock _lock = new();
    private PartitionRuns?[] _byPartition = [];

    public void Add(int partition, long offset)
    {
        lock (_lock)
        {
            if (partition >= _byPartition.Length)
            {
                Array.Resize(ref _byPartition, Math.Max(partition + 1, _byPartition.Length * 2));
            }

            (_byPartition[partition] ??= new PartitionRuns()).Add(offset);
        }
    }

    public IReadOnlyList<PartitionOffsetRuns> Runs()
    {
        lock (_lock)
        {
            return Enumerable.Range(0, _byPartition.Length)
                .Where(p => _byPartition[p] is not null)
                .Select(p => new PartitionOffsetRuns(p, _byPartition[p]!.Coalesced()))
                .ToList();
        }
    }

    private sealed class PartitionRuns
    {
        private readonly List<OffsetRun> _closed = [];
        private long _first;
        private long _last = -2;

        public void Add(long offset)
        {
            if (offset == _last + 1)
            {
                _last = offset;
                return;
            }

            if (_last >= 0)
            {
                _closed.Add(new OffsetRun(_first, _last));
            }

            _first = _last = offset;
        }

        public List<OffsetRun> Coalesced()
        {
            var runs = new List<OffsetRun>();
            foreach (var run in _closed.Append(new OffsetRun(_first, _last)).OrderBy(r => r.First))
            {
                if (runs.Count > 0 && run.First == runs[^1].Last + 1)
                {
                    runs[^1] = runs[^1] with { Last = run.Last };
                }
                else
                {
                    runs.Add(run);
                }
            }

            return runs;
        }
    }
}
