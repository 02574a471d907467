using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Aggregating on a second thread changes nothing the job reports: the same messages give the same figures, counts,
/// invalid samples and winning copies as feeding the aggregator directly, across many small batches, with absent keys
/// and values, empty ones, and a message larger than a whole batch; and a failure of the aggregation reaches the caller.
/// </summary>
public sealed class BackgroundAggregatorTests
{
    private static readonly DateTime Start = new(2008, 3, 31, 20, 0, 0);

    [Theory]
    [InlineData(64, 2)]
    [InlineData(512, 2)]
    [InlineData(4096, 3)]
    [InlineData(BackgroundAggregator.DefaultBatchBytes, BackgroundAggregator.DefaultMaxBatches)]
    public void Gives_what_the_aggregator_gives_when_fed_directly(int batchBytes, int maxBatches)
    {
        var messages = Messages();
        var direct = new QuarterlyAggregator();
        foreach (var m in messages)
        {
            direct.Add(m.Partition, m.Offset, m.Key, m.Key is not null, m.Value, m.Value is not null, m.Ingestion);
        }

        using var background = new BackgroundAggregator(new QuarterlyAggregator(), batchBytes, maxBatches);
        foreach (var m in messages)
        {
            background.Add(m.Partition, m.Offset, m.Key, m.Key is not null, m.Value, m.Value is not null, m.Ingestion);
        }

        var expected = direct.Complete();
        var actual = background.Complete().Complete();

        Assert.Equal(expected.Quarters, actual.Quarters);
        Assert.Equal(
            (expected.MessagesRead, expected.DuplicatesDropped, expected.Invalid),
            (actual.MessagesRead, actual.DuplicatesDropped, actual.Invalid));
        Assert.Equal(expected.InvalidSamples, actual.InvalidSamples);
        Assert.Equal(expected.InvalidByReason.Select(r => (r.Reason, r.Messages)), actual.InvalidByReason.Select(r => (r.Reason, r.Messages)));
        Assert.Equal(expected.WinningCopiesByIngestion, actual.WinningCopiesByIngestion);
        // The messages exercise what the copy must keep: the ones below are not vacuous.
        Assert.True(actual.DuplicatesDropped > 0 && actual.Invalid > 0 && actual.Quarters.Count >= 2);
        Assert.Contains(actual.InvalidByReason, r => r.Reason == ReadingValidity.Reasons.NullKey);
        Assert.Contains(actual.InvalidByReason, r => r.Reason == ReadingValidity.Reasons.Tombstone);
        Assert.Contains(actual.InvalidByReason, r => r.Reason == ReadingValidity.Reasons.ValueTooLarge);
        Assert.True(actual.WinningCopiesByIngestion.Count(n => n > 0) >= 2);
    }

    [Fact]
    public void A_position_the_aggregator_cannot_keep_fails_the_completion()
    {
        using var background = new BackgroundAggregator(new QuarterlyAggregator(), batchBytes: 256, maxBatches: 2);
        var key = Key(Start);
        var value = Value(Complete(Start, 1.0m));
        background.Add(QuarterlyAggregator.MinuteSlot.MaxPartition + 1, 0, key, true, value, true, 0);

        var failure = Assert.Throws<InvalidOperationException>(() => background.Complete());
        Assert.Contains("beyond what the aggregator keeps", failure.Message);
    }

    [Fact]
    public void A_failure_reaches_the_reader_at_a_later_hand_over_and_never_leaves_it_waiting()
    {
        using var background = new BackgroundAggregator(new QuarterlyAggregator(), batchBytes: 256, maxBatches: 2);
        var key = Key(Start);
        var value = Value(Complete(Start, 1.0m));
        background.Add(0, QuarterlyAggregator.MinuteSlot.MaxOffset + 1, key, true, value, true, 0);

        // Every batch holds one message (256 bytes): the reader hands over at each add, and sees the failure at one.
        var added = 0;
        var failure = Assert.Throws<InvalidOperationException>(() =>
        {
            for (; added < 10_000; added++)
            {
                background.Add(0, added, key, true, value, true, 0);
            }
        });
        Assert.Contains("beyond what the aggregator keeps", failure.Message);
        Assert.True(added < 10_000);
    }

    [Fact]
    public async Task Disposing_without_completing_stops_the_aggregation_thread()
    {
        var background = new BackgroundAggregator(new QuarterlyAggregator(), batchBytes: 256, maxBatches: 2);
        foreach (var m in Messages().Take(100))
        {
            background.Add(m.Partition, m.Offset, m.Key, m.Key is not null, m.Value, m.Value is not null, m.Ingestion);
        }

        // WaitAsync throws TimeoutException when Dispose is left waiting for the aggregation thread.
        await Task.Run(background.Dispose, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    private sealed record Message(int Partition, long Offset, byte[]? Key, byte[]? Value, ushort Ingestion);

    /// <summary>
    /// 3,000 messages over 1,100 minutes across a quarter's end (copies of a minute in other partitions and at other
    /// offsets, from two ingestions), with absent and empty keys and values, malformed values and one 5,000-byte value.
    /// </summary>
    private static List<Message> Messages()
    {
        var messages = new List<Message>();
        for (var i = 0; i < 3_000; i++)
        {
            var minute = Start.AddMinutes(i * 7 % 1_100);
            var partition = i % 3;
            var ingestion = (ushort)(i % 5 == 0 ? 1 : 0);
            byte[]? key = Key(minute);
            byte[]? value = Value(Complete(minute, 0.1m + i % 97 / 10m, voltage: 230m + i % 13));
            if (i % 131 == 0)
            {
                key = null;
            }
            else if (i % 151 == 0)
            {
                value = null;
            }
            else if (i % 163 == 0)
            {
                value = [];
            }
            else if (i % 97 == 0)
            {
                value = Encoding.UTF8.GetBytes("{\"not\":\"a reading\"}");
            }
            else if (i == 1_500)
            {
                value = Encoding.UTF8.GetBytes(new string('x', 5_000));
            }

            messages.Add(new Message(partition, 10_000 + i, key, value, ingestion));
        }

        return messages;
    }
}
