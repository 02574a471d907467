namespace EnergyPipeline.Ingestor.Generation;

/// <summary>
/// Where the runs of missing-value rows go: a few long outages and many short ones, as in the real file,
/// totalling exactly <see cref="SyntheticHouseholdFile.MissingRowsFor"/> rows, never at the first row.
/// </summary>
internal sealed class MissingRunLayout
{
    private readonly SortedDictionary<long, long> _runs = [];

    /// <summary>Run lengths keyed by the number of complete rows written before the run starts.</summary>
    public IReadOnlyDictionary<long, long> RunsAfterCompleteRows => _runs;

    public long MissingRows { get; }

    public MissingRunLayout(long rows, long missingRows, ref DeterministicRandom random)
    {
        MissingRows = missingRows;
        var completeRows = rows - missingRows;
        if (missingRows == 0)
        {
            return;
        }

        if (completeRows == 0)
        {
            _runs[0] = missingRows;
            return;
        }

        var lengths = new List<long>();
        for (var left = missingRows; left > 0;)
        {
            var length = Math.Min(left, DrawLength(ref random));
            lengths.Add(length);
            left -= length;
        }

        // Runs sit between complete rows (after 1..completeRows of them), at distinct places so two runs never merge.
        var slots = Math.Min(lengths.Count, completeRows);
        var positions = new SortedSet<long>();
        while (positions.Count < slots)
        {
            positions.Add(random.Next(1, completeRows));
        }

        var index = 0;
        foreach (var position in positions)
        {
            _runs[position] = lengths[index++];
        }

        // More runs than slots (tiny files): the rest joins the last run.
        for (; index < lengths.Count; index++)
        {
            _runs[positions.Max] += lengths[index];
        }
    }

    private static long DrawLength(ref DeterministicRandom random)
    {
        var p = random.NextDouble();
        return p switch
        {
            < 0.55 => random.Next(1, 3),
            < 0.85 => random.Next(4, 60),
            < 0.95 => random.Next(61, 600),
            _ => random.Next(1_000, 7_500),
        };
    }
}
