using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Runs;

using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>The attribution rule on its own: which completion record, if any, a (partition, offset) belongs to.</summary>
public sealed class OffsetAttributionTests
{
    /// <summary>The run id of the ingestion an offset belongs to, or null.</summary>
    private static string? Owner(OffsetAttribution attribution, int partition, long offset) =>
        attribution.RunAt(partition, offset) is var run and >= 0 ? attribution.Ingestions[attribution.IngestionOf(run)].RunId : null;

    [Fact]
    public void First_and_last_offsets_of_a_run_are_attributed_and_their_neighbours_are_not()
    {
        // a: partition 0 offsets 10-19 and 25-29; b: 20-24 between them (a foreign producer would leave such a gap unattributed).
        var attribution = OffsetAttribution.From([Completion("a", (0, [(10, 19), (25, 29)])), Completion("b", (0, [(20, 24)]), (2, [(0, 0)]))]);

        Assert.Null(Owner(attribution, 0, 9));
        Assert.Equal("a", Owner(attribution, 0, 10));
        Assert.Equal("a", Owner(attribution, 0, 19));
        Assert.Equal("b", Owner(attribution, 0, 20));
        Assert.Equal("b", Owner(attribution, 0, 24));
        Assert.Equal("a", Owner(attribution, 0, 25));
        Assert.Equal("a", Owner(attribution, 0, 29));
        Assert.Null(Owner(attribution, 0, 30));
        Assert.Equal("b", Owner(attribution, 2, 0));
        Assert.Null(Owner(attribution, 2, 1));
        Assert.Null(Owner(attribution, 1, 15));
    }

    [Fact]
    public void Runs_are_numbered_by_partition_and_offset_with_their_ingestion()
    {
        var attribution = OffsetAttribution.From([Completion("a", (1, [(0, 4)]), (0, [(10, 19)])), Completion("b", (0, [(0, 9)]))]);

        Assert.Equal(
            [new AttributedRun(0, 0, 9, 1), new AttributedRun(0, 10, 19, 0), new AttributedRun(1, 0, 4, 0)],
            attribution.Runs);
        Assert.Equal(1, attribution.RunAt(0, 12));
        Assert.Equal(0, attribution.IngestionOf(1));
    }

    [Fact]
    public void Where_two_records_claim_the_same_offsets_the_newer_keeps_them()
    {
        // The data topic was recreated while its control topic stayed: old's record names offsets that now hold new's messages.
        var attribution = OffsetAttribution.From([Completion("old", (0, [(0, 99)])), Completion("new", (0, [(0, 39), (60, 69)]))]);

        Assert.Equal(["new", "new", "old", "new", "old"], new long[] { 0, 39, 40, 60, 70 }.Select(o => Owner(attribution, 0, o)));
        Assert.Equal(
            [new AttributedRun(0, 0, 39, 1), new AttributedRun(0, 40, 59, 0), new AttributedRun(0, 60, 69, 1), new AttributedRun(0, 70, 99, 0)],
            attribution.Runs);
    }

    [Fact]
    public void A_record_written_without_offset_runs_attributes_nothing()
    {
        var attribution = OffsetAttribution.From([Completion("old", (0, [(0, 9)])) with { OffsetRuns = null }]);

        Assert.Empty(attribution.Runs);
        Assert.Equal(-1, attribution.RunAt(0, 0));
        Assert.Single(attribution.Ingestions);
    }

    [Fact]
    public void Many_runs_are_searched_like_a_scan_over_every_offset()
    {
        // Three ingestions alternating batches of random sizes over two partitions, with gaps of foreign messages.
        var random = new Random(19);
        var offsets = new Dictionary<(int, long), int>();
        var runs = new List<(int Partition, long First, long Last)>[3];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = [];
        }

        for (var partition = 0; partition < 2; partition++)
        {
            long next = random.Next(5);
            for (var batch = 0; batch < 300; batch++)
            {
                var ingestion = random.Next(3);
                var size = 1 + random.Next(20);
                runs[ingestion].Add((partition, next, next + size - 1));
                for (var o = next; o < next + size; o++)
                {
                    offsets[(partition, o)] = ingestion;
                }

                next += size + (random.Next(4) == 0 ? 1 + random.Next(3) : 0);
            }
        }

        // Batches of one ingestion that follow each other directly are one run, as the ingestor writes them.
        var completions = runs.Select((r, i) => Completion($"run-{i}", [.. r.GroupBy(x => x.Partition).Select(g => (g.Key, Coalesce(g).ToArray()))])).ToArray();
        var attribution = OffsetAttribution.From(completions);

        for (var partition = 0; partition < 3; partition++)
        {
            for (long offset = -1; offset < 4_000; offset++)
            {
                var expected = offsets.TryGetValue((partition, offset), out var ingestion) ? $"run-{ingestion}" : null;
                Assert.Equal(expected, Owner(attribution, partition, offset));
            }
        }
    }

    [Fact]
    public void More_ingestions_than_the_job_numbers_are_refused_with_the_remedy()
    {
        var completions = Enumerable.Range(0, OffsetAttribution.MaxIngestions + 1).Select(i => Completion($"r{i}")).ToList();

        var error = Assert.Throws<InvalidOperationException>(() => OffsetAttribution.From(completions));

        Assert.Contains("holds 65,537 completion records; the job numbers at most 65,536", error.Message, StringComparison.Ordinal);
        Assert.Equal(OffsetAttribution.MaxIngestions, OffsetAttribution.From(completions[1..]).Ingestions.Count);
    }

    private static IEnumerable<(long, long)> Coalesce(IEnumerable<(int Partition, long First, long Last)> runs)
    {
        (long First, long Last)? open = null;
        foreach (var run in runs.OrderBy(r => r.First))
        {
            if (open is { } o && o.Last + 1 == run.First)
            {
                open = (o.First, run.Last);
                continue;
            }

            if (open is { } done)
            {
                yield return done;
            }

            open = (run.First, run.Last);
        }

        if (open is { } last)
        {
            yield return last;
        }
    }
}
