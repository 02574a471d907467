using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The rules on their own, for what the mock broker cannot show: a compacted topic, where later copies may have
/// replaced some of the newest completed ingestion's messages.
/// </summary>
public sealed class CompletenessCheckTests
{
    private static readonly IngestionCompletion Older = Completion("older", (0, 0, 9, 10));
    private static readonly IngestionCompletion Newest = Completion("newest", (0, 10, 19, 10), (1, 0, 4, 5));

    private static IngestionCompletion Completion(string runId, params (int Partition, long First, long Last, long Messages)[] partitions) =>
        new(runId, "sha", partitions.Sum(p => p.Messages), null, null,
            [.. partitions.Select(p => new PartitionOffsetRange(p.Partition, p.First, p.Last, p.Messages))], null, DateTimeOffset.UnixEpoch);

    private static EngineResult Result(Dictionary<string, long> winning, params NewestIngestionPresence[] newest) =>
        new([new PartitionRead(0, 0, 30, 0), new PartitionRead(1, 0, 5, 0)], 0, 0, 0)
        {
            Evidence = new CompletenessEvidence([Older, Newest], winning, newest),
        };

    [Fact]
    public void Copies_of_the_newest_ingestion_replaced_by_later_messages_are_allowed()
    {
        // Partition 0: 7 of its 10 messages remain and 3 later messages could have replaced (compacted) the others.
        var result = Result(new() { ["older"] = 2, ["newest"] = 12 }, new(0, 7, 3), new(1, 5, 0));

        Assert.Empty(CompletenessCheck.Problems(result));
    }

    [Fact]
    public void Messages_of_the_newest_ingestion_missing_without_later_copies_fail_with_the_counts()
    {
        var result = Result(new() { ["newest"] = 12 }, new(0, 7, 2), new(1, 5, 0));

        var problem = Assert.Single(CompletenessCheck.Problems(result));
        Assert.Equal("the newest completed ingestion newest sent 10 messages to partition 0 (offsets 10-19); the topic holds 7 of them " +
            "and only 2 later messages that could replace the others; run the ingestor again", problem);
    }

    [Fact]
    public void Every_problem_is_named_at_once()
    {
        // Winning copies of an ingestion that never completed, of a producer without run ids, and partition 1 missing.
        var result = Result(new() { ["newest"] = 5, ["crashed"] = 862_116, [""] = 3 }, new NewestIngestionPresence(0, 10, 0));

        var error = Assert.Throws<IncompleteDataException>(() => CompletenessCheck.Verify(result));

        Assert.Contains("ingestion crashed has no completion record: 862,116 newest copies come from it", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 newest copies carry no energy-run-id header", error.Message, StringComparison.Ordinal);
        Assert.Contains("sent 5 messages to partition 1 (offsets 0-4); the topic holds 0 of them", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_completion_past_the_end_of_the_topic_means_the_topic_was_reset()
    {
        var result = new EngineResult([new PartitionRead(0, 0, 15, 0), new PartitionRead(1, 0, 5, 0)], 0, 0, 0)
        {
            Evidence = new CompletenessEvidence([Older, Newest], new Dictionary<string, long> { ["newest"] = 1 }, [new(0, 5, 0), new(1, 5, 0)]),
        };

        Assert.Contains(CompletenessCheck.Problems(result), p => p.Contains("wrote partition 0 up to offset 19, but the topic ends at offset 15", StringComparison.Ordinal));
    }

    [Fact]
    public void A_topic_ending_just_at_the_last_offset_of_the_newest_ingestion_was_reset()
    {
        // The end offset is the next offset to be written: a topic ending at 19 holds offsets up to 18 only, so the
        // completion's last message (offset 19) cannot be in it: not a compaction gap but a topic that lost its end.
        var result = new EngineResult([new PartitionRead(0, 0, 19, 0), new PartitionRead(1, 0, 5, 0)], 0, 0, 0)
        {
            Evidence = new CompletenessEvidence([Older, Newest], new Dictionary<string, long> { ["newest"] = 1 }, [new(0, 9, 0), new(1, 5, 0)]),
        };

        var problem = Assert.Single(CompletenessCheck.Problems(result));
        Assert.Contains("wrote partition 0 up to offset 19, but the topic ends at offset 19", problem, StringComparison.Ordinal);
    }
}
