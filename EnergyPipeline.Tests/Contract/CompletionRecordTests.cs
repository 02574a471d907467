using System.Text;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Contract;

/// <summary>The completion record's offset runs: how the ingestor collects them, how they are written and read back.</summary>
public sealed class CompletionRecordTests
{
    private static string Runs(IReadOnlyList<PartitionOffsetRuns> partitions) =>
        string.Join(" ", partitions.Select(p => $"{p.Partition}:" + string.Join(",", p.Runs.Select(r => $"{r.First}-{r.Last}"))));

    [Fact]
    public void Delivery_reports_become_sorted_coalesced_runs_per_partition_with_a_gap_wherever_another_producer_wrote()
    {
        var runs = new DeliveredOffsetRuns();
        // Partition 0 in order with a gap at 5 and 6; partition 2 out of order; partition 1 untouched.
        foreach (var offset in new long[] { 0, 1, 2, 3, 4, 7, 8 })
        {
            runs.Add(0, offset);
        }

        foreach (var offset in new long[] { 12, 10, 11, 14, 13, 20 })
        {
            runs.Add(2, offset);
        }

        Assert.Equal("0:0-4,7-8 2:10-14,20-20", Runs(runs.Runs()));
        Assert.Equal(7 + 6, runs.Runs().Sum(p => p.Messages));
    }

    [Fact]
    public void A_record_is_written_with_each_run_as_a_first_last_pair_and_read_back_the_same()
    {
        var record = new IngestionCompletion("run-1", "abc", 6, new DateTime(2007, 1, 1), new DateTime(2007, 1, 2),
            [new PartitionOffsetRuns(0, [new OffsetRun(0, 2), new OffsetRun(5, 6)]), new PartitionOffsetRuns(3, [new OffsetRun(9, 9)])],
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", DateTimeOffset.UnixEpoch);

        var json = Encoding.UTF8.GetString(record.ToJsonBytes());
        var back = IngestionCompletion.TryParse(record.ToJsonBytes(), out var error);

        Assert.Contains("\"offset_runs\":[{\"partition\":0,\"runs\":[[0,2],[5,6]]},{\"partition\":3,\"runs\":[[9,9]]}]", json, StringComparison.Ordinal);
        Assert.Null(error);
        Assert.Equal(Runs(record.OffsetRuns!), Runs(back!.OffsetRuns!));
        Assert.Equal((record.RunId, record.RowsSent, record.TraceParent), (back.RunId, back.RowsSent, back.TraceParent));
    }

    [Fact]
    public void A_record_written_before_offset_runs_is_read_with_none()
    {
        var old = """{"run_id":"r","source_sha256":"s","rows_sent":10,"partitions":[{"partition":0,"first_offset":0,"last_offset":9,"messages":10}],"traceparent":null,"completed_at":"2025-01-01T00:00:00+00:00"}""";

        var record = IngestionCompletion.TryParse(Encoding.UTF8.GetBytes(old), out var error);

        Assert.Null(error);
        Assert.Null(record!.OffsetRuns);
    }

    [Theory]
    [InlineData("""[{"partition":0,"runs":[[5,9],[0,3]]}]""", 9, "are not sorted, apart and non-empty")]
    [InlineData("""[{"partition":0,"runs":[[0,4],[5,9]]}]""", 10, "are not sorted, apart and non-empty")]
    [InlineData("""[{"partition":0,"runs":[[4,3]]}]""", 0, "are not sorted, apart and non-empty")]
    [InlineData("""[{"partition":0,"runs":[[-1,3]]}]""", 5, "are not sorted, apart and non-empty")]
    [InlineData("""[{"partition":0,"runs":[[0,3]]},{"partition":0,"runs":[[5,6]]}]""", 6, "each partition once")]
    [InlineData("""[{"partition":0,"runs":[[0,3]]}]""", 5, "hold 4 offsets but rows_sent is 5")]
    [InlineData("""[{"partition":0,"runs":[[0,3,7]]}]""", 4, "an offset run is an array [first, last] of two integers")]
    public void A_record_with_malformed_offset_runs_is_not_a_completion_record(string offsetRuns, long rowsSent, string reason)
    {
        var json = $$"""{"run_id":"r","source_sha256":"s","rows_sent":{{rowsSent}},"offset_runs":{{offsetRuns}},"completed_at":"2025-01-01T00:00:00+00:00"}""";

        Assert.Null(IngestionCompletion.TryParse(Encoding.UTF8.GetBytes(json), out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
