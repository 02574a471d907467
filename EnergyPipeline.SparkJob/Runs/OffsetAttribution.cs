using EnergyPipeline.Messaging;

namespace EnergyPipeline.SparkJob.Runs;

/// <summary>
/// Offsets <see cref="First"/> to <see cref="Last"/> (inclusive) of <see cref="Partition"/>, attributed to the
/// ingestion numbered <see cref="Ingestion"/> (its index in <see cref="OffsetAttribution.Ingestions"/>).
/// </summary>
public readonly record struct AttributedRun(int Partition, long First, long Last, int Ingestion)
{
    public long Length => Last - First + 1;
}

/// <summary>
/// Which completed ingestion a message belongs to, by its position alone (docs/contract.md, *Completion records*):
/// the message at (partition, offset) is the ingestion's whose completion record lists a run holding that offset,
/// and nobody's when no record does. Both engines use this one rule: the local engine asks <see cref="RunAt"/> per
/// message, the Spark plan joins the topic with <see cref="Runs"/>.
/// </summary>
/// <remarks>
/// Runs of two records never share an offset when both describe the topic as it is. Should they (a data topic
/// recreated while its control topic stayed), the newer record keeps the offsets: it describes the topic's current
/// contents. Records without offset runs (written before the ingestor recorded them) attribute nothing.
/// </remarks>
public sealed class OffsetAttribution
{
    /// <summary>The most ingestions one attribution numbers (the aggregator keeps an ingestion's number in 16 bits).</summary>
    public const int MaxIngestions = ushort.MaxValue + 1;

    public static readonly OffsetAttribution None = From([]);

    private readonly AttributedRun[] _runs;
    private readonly Dictionary<int, (int Start, int Count)> _partitions;

    private OffsetAttribution(IReadOnlyList<IngestionCompletion> ingestions, AttributedRun[] runs)
    {
        Ingestions = ingestions;
        _runs = runs;
        _partitions = runs.Select((run, index) => (run.Partition, index))
            .GroupBy(r => r.Partition)
            .ToDictionary(g => g.Key, g => (g.First().index, g.Count()));
    }

    /// <summary>The completion records, oldest first; an ingestion's number is its index here.</summary>
    public IReadOnlyList<IngestionCompletion> Ingestions { get; }

    /// <summary>Every attributed run, apart from each other, sorted by partition and first offset; a run's number is its index here.</summary>
    public IReadOnlyList<AttributedRun> Runs => _runs;

    /// <summary>The number of the run holding <paramref name="offset"/> of <paramref name="partition"/>, or -1: no ingestion's.</summary>
    public int RunAt(int partition, long offset)
    {
        if (!_partitions.TryGetValue(partition, out var slice))
        {
            return -1;
        }

        // The last run starting at or before the offset, by binary search.
        var (low, high) = (slice.Start, slice.Start + slice.Count - 1);
        var found = -1;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            if (_runs[middle].First <= offset)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found >= 0 && offset <= _runs[found].Last ? found : -1;
    }

    /// <summary>The ingestion number of run <paramref name="run"/> (a number <see cref="RunAt"/> returned).</summary>
    public int IngestionOf(int run) => _runs[run].Ingestion;

    /// <summary>
    /// The attribution of a snapshot's completion records (oldest first). Where runs of two records overlap, the newer
    /// record keeps the shared offsets.
    /// </summary>
    public static OffsetAttribution From(IReadOnlyList<IngestionCompletion> completions)
    {
        if (completions.Count > MaxIngestions)
        {
            throw new InvalidOperationException(
                $"The control topic holds {completions.Count:N0} completion records; the job numbers at most {MaxIngestions:N0}. " +
                "Recreate the topic and its control topic, then ingest the file again.");
        }

        var claimed = new Dictionary<int, List<AttributedRun>>();
        for (var ingestion = completions.Count - 1; ingestion >= 0; ingestion--)
        {
            foreach (var partition in completions[ingestion].OffsetRuns ?? [])
            {
                if (!claimed.TryGetValue(partition.Partition, out var taken))
                {
                    claimed[partition.Partition] = taken = [];
                }

                var pieces = partition.Runs
                    .SelectMany(run => Unclaimed(run, taken))
                    .Select(piece => new AttributedRun(partition.Partition, piece.First, piece.Last, ingestion))
                    .ToList();
                taken.AddRange(pieces);
                taken.Sort((a, b) => a.First.CompareTo(b.First));
            }
        }

        return new OffsetAttribution(completions, claimed.OrderBy(p => p.Key).SelectMany(p => p.Value).ToArray());
    }

    /// <summary>The parts of <paramref name="run"/> that no run of <paramref name="taken"/> (sorted by first offset) holds.</summary>
    private static IEnumerable<OffsetRun> Unclaimed(OffsetRun run, List<AttributedRun> taken)
    {
        var from = run.First;
        foreach (var other in taken)
        {
            if (other.Last < from)
            {
                continue;
            }

            if (other.First > run.Last)
            {
                break;
            }

            if (other.First > from)
            {
                yield return new OffsetRun(from, other.First - 1);
            }

            from = other.Last + 1;
            if (from > run.Last)
            {
                yield break;
            }
        }

        yield return new OffsetRun(from, run.Last);
    }
}
