using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;

using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The rules on their own, for what the mock broker cannot show (a compacted topic, where later copies may have
/// replaced messages) and for every branch of the wording: evidence built by hand, problems read back.
/// </summary>
public sealed class CompletenessCheckTests
{
    /// <summary>
    /// A result over partitions 0 and 1 (offsets 0-29 and 0-4, low watermarks given), with the messages present per
    /// run from <paramref name="present"/> (default: every message) and the readings kept per ingestion.
    /// </summary>
    private static EngineResult Result(IngestionCompletion[] completions, long[] winning, Func<AttributedRun, long>? present = null, long startOfPartition0 = 0)
    {
        var attribution = OffsetAttribution.From(completions);
        return new([new PartitionRead(0, startOfPartition0, 30, 0), new PartitionRead(1, 0, 5, 0)], 0, 0, 0)
        {
            Evidence = new CompletenessEvidence(attribution, attribution.Runs.Select(present ?? (r => r.Length)).ToList(), winning),
        };
    }

    // Older wrote partition 0 offsets 0-9; newest wrote 10-19 there and 0-4 in partition 1.
    private static readonly IngestionCompletion Older = Completion("older", (0, [(0, 9)]));
    private static readonly IngestionCompletion Newest = Completion("newest", (0, [(10, 19)]), (1, [(0, 4)]));

    [Fact]
    public void Whole_ingestions_that_wrote_one_after_the_other_pass()
    {
        Assert.Empty(CompletenessCheck.Problems(Result([Older, Newest], [2, 12])));
    }

    [Fact]
    public void Copies_of_an_ingestion_replaced_by_later_attributed_messages_are_allowed()
    {
        // Older holds 7 of its 10 messages in partition 0; newest's 10 later messages there could have replaced the rest.
        var result = Result([Older, Newest], [2, 12], r => r.First == 0 && r.Partition == 0 ? 7 : r.Length);

        Assert.Empty(CompletenessCheck.Problems(result));
    }

    [Fact]
    public void Messages_of_the_newest_ingestion_missing_without_later_copies_fail_with_the_counts()
    {
        var result = Result([Older, Newest], [0, 12], r => r.First == 10 ? 7 : r.Length);

        var problem = Assert.Single(CompletenessCheck.Problems(result));
        Assert.Equal("ingestion newest sent 10 messages to partition 0 (offsets 10-19); the topic holds 7 of them and only 0 later messages " +
            "of completed ingestions that could replace the others; run the ingestor again", problem);
    }

    [Fact]
    public void An_older_ingestion_that_still_supplies_readings_is_checked_too()
    {
        // Newest is whole; older lost 4 of its 10 messages, and only 3 later attributed messages follow in partition 0.
        var older = Completion("older", (0, [(0, 9)]));
        var newest = Completion("newest", (0, [(10, 12)]), (1, [(0, 4)]));

        var result = Result([older, newest], [5, 8], r => r.First == 0 && r.Partition == 0 ? 6 : r.Length);

        var problem = Assert.Single(CompletenessCheck.Problems(result));
        Assert.StartsWith("ingestion older sent 10 messages to partition 0 (offsets 0-9); the topic holds 6 of them and only 3 later", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_messages_of_an_ingestion_that_supplies_nothing_pass_when_later_copies_cover_them()
    {
        // Every minute of older was ingested again by newest: whatever is left of it decides nothing.
        var result = Result([Older, Newest], [0, 15], r => r.First == 0 && r.Partition == 0 ? 1 : r.Length);

        Assert.Empty(CompletenessCheck.Problems(result));
    }

    [Fact]
    public void Missing_messages_of_an_ingestion_that_supplies_nothing_refuse_when_nothing_later_covers_them()
    {
        // Older's messages are all gone and newest wrote other partitions only: older's minutes would vanish from the figures.
        var older = Completion("older", (0, [(0, 9)]));
        var newest = Completion("newest", (1, [(0, 4)]));

        var problem = Assert.Single(CompletenessCheck.Problems(Result([older, newest], [0, 5], r => r.Partition == 0 ? 0 : r.Length, startOfPartition0: 10)));

        Assert.Equal("ingestion older sent 10 messages to partition 0 (offsets 0-9); the topic holds 0 of them and only 0 later messages of completed " +
            "ingestions that could replace the others (the partition now starts at offset 10, after its first message at 0: data was deleted); " +
            "run the ingestor again", problem);
    }

    [Fact]
    public void Only_attributed_later_messages_may_stand_in_for_missing_ones()
    {
        // Partition 0 holds 20 more messages after newest's run, none of them attributed: they replace nothing.
        var result = Result([Newest], [12], r => r.First == 10 ? 5 : r.Length);

        var problem = Assert.Single(CompletenessCheck.Problems(result));
        Assert.Contains("holds 5 of them and only 0 later messages", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_cut_by_retention_refuses_with_what_is_missing_even_when_later_copies_could_cover_the_count()
    {
        // The partition now starts at offset 4: 4 of older's messages are gone, and 10 later ones would cover the count.
        var result = Result([Older, Newest], [3, 12], r => r.First == 0 && r.Partition == 0 ? 6 : r.Length, startOfPartition0: 4);

        var problem = Assert.Single(CompletenessCheck.Problems(result));
        Assert.Equal("ingestion older supplies readings, but 4 of the 10 messages it sent to partition 0 were deleted (the partition now " +
            "starts at offset 4, after its first message at 0); run the ingestor again", problem);
    }

    [Fact]
    public void A_run_cut_by_retention_does_not_matter_for_an_ingestion_that_supplies_nothing()
    {
        var result = Result([Older, Newest], [0, 12], r => r.First == 0 && r.Partition == 0 ? 6 : r.Length, startOfPartition0: 4);

        Assert.Empty(CompletenessCheck.Problems(result));
    }

    [Fact]
    public void Two_contributing_ingestions_whose_offsets_interleave_are_refused_in_one_line_naming_both()
    {
        // a wrote 0-4 and 15-19 of partition 0, b 5-14 between them.
        var a = Completion("run-a", (0, [(0, 4), (15, 19)]));
        var b = Completion("run-b", (0, [(5, 14)]));

        var problem = Assert.Single(CompletenessCheck.Problems(Result([a, b], [6, 4])));

        Assert.Equal("ingestions run-a and run-b ran at the same time (their messages interleave in partition 0) and both supply readings: " +
            "ingest one file again on its own, then run the job", problem);
    }

    [Fact]
    public void Interleaved_ingestions_that_no_longer_supply_readings_do_not_block()
    {
        var a = Completion("run-a", (0, [(0, 4), (15, 19)]));
        var b = Completion("run-b", (0, [(5, 14)]));
        var again = Completion("run-a-again", (0, [(20, 29)]));

        Assert.Empty(CompletenessCheck.Problems(Result([a, b, again], [0, 0, 10])));
        Assert.Single(CompletenessCheck.Problems(Result([a, b, again], [1, 1, 8])));
    }

    [Fact]
    public void Runs_that_touch_but_do_not_interleave_pass()
    {
        var a = Completion("run-a", (0, [(0, 9)]));
        var b = Completion("run-b", (0, [(10, 19)]));

        Assert.Empty(CompletenessCheck.Problems(Result([a, b], [3, 4])));
    }

    [Fact]
    public void A_completion_past_the_end_of_the_topic_means_the_topic_was_reset_whoever_supplies_the_readings()
    {
        // The end offset is the next offset to be written: a topic ending at 30 holds offsets up to 29 only.
        var lost = Completion("lost", (0, [(20, 30)]));

        var problem = Assert.Single(CompletenessCheck.Problems(Result([Older, lost], [10, 0])));

        Assert.Equal("completed ingestion lost wrote partition 0 up to offset 30, but the topic ends at offset 30: the topic was reset or " +
            "lost data after it; run the ingestor again", problem);
    }

    [Fact]
    public void A_completion_naming_a_partition_the_topic_does_not_have_means_the_topic_was_reset()
    {
        var problem = Assert.Single(CompletenessCheck.Problems(Result([Completion("elsewhere", (7, [(0, 3)]))], [0])));

        Assert.Contains("wrote partition 7 up to offset 3, but the topic has no such partition", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_named_at_once()
    {
        var a = Completion("run-a", (0, [(0, 4), (15, 19)]));
        var b = Completion("run-b", (0, [(5, 14)]), (1, [(0, 4)]));
        var lost = Completion("lost", (1, [(5, 6)]));

        var error = Assert.Throws<IncompleteDataException>(() => CompletenessCheck.Verify(Result([a, b, lost], [6, 4, 0], r => r.Partition == 1 ? 2 : r.Length)));

        Assert.StartsWith("Nothing was published, the old figures stay: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("completed ingestion lost wrote partition 1 up to offset 6", error.Message, StringComparison.Ordinal);
        Assert.Contains("ingestion run-b sent 5 messages to partition 1 (offsets 0-4); the topic holds 2 of them", error.Message, StringComparison.Ordinal);
        Assert.Contains("ingestions run-a and run-b ran at the same time", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Nothing_to_publish_names_the_unattributed_messages_and_what_explains_them()
    {
        static EngineResult Unattributed(params IngestionCompletion[] completions) => new([new PartitionRead(0, 0, 30, 30)], 0, 0, 0)
        {
            Evidence = new CompletenessEvidence(OffsetAttribution.From(completions), [], new long[completions.Length]),
            Unattributed = 30,
        };

        Assert.Equal("Topic raw_energy holds no valid reading of a completed ingestion (0 readings read, 0 invalid, 30 messages unattributed): " +
            "no completion record was found (the control topic raw_energy_completions is missing or empty), so no message can be attributed; " +
            "ingest the file with the ingestor, which writes one when every delivery is confirmed. Refusing to replace the quarterly figures with nothing.",
            CompletenessCheck.NothingToPublish("raw_energy", Unattributed()));
        var legacy = Older with { OffsetRuns = null };
        Assert.Contains(": 1 of the 1 completion records were written by an ingestor that did not record offset runs and vouch for no message; " +
            "ingest the file once again.", CompletenessCheck.NothingToPublish("raw_energy", Unattributed(legacy)), StringComparison.Ordinal);
        Assert.Contains("belong to no completed ingestion (an ingestion still running or killed, or another producer)",
            CompletenessCheck.NothingToPublish("raw_energy", Unattributed(Completion("elsewhere", (0, [(40, 49)])))), StringComparison.Ordinal);
        var refused = Unattributed() with { UnsignedCompletions = [new UnsignedCompletion(0, "other-key", Messaging.CompletionSignature.Wrong)] };
        Assert.Contains(": none of the 1 completion records has a valid MAC under the job's Pipeline:CompletionKey (written with another key, or by someone else), " +
            "so no message can be attributed; ingest the file again with the ingestor given the job's key.", CompletenessCheck.NothingToPublish("raw_energy", refused),
            StringComparison.Ordinal);
    }
}
