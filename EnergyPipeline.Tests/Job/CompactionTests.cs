using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.Tests.Infrastructure;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The newest copy of a key decides its minute, whatever it is: a valid copy is the reading, an invalid copy or a
/// tombstone leaves the minute out (no older copy is used). So the figures of a log are those of the same log after
/// Kafka's compaction (only the newest copy of each key kept, tombstones kept or, later, removed too).
/// </summary>
public sealed class CompactionTests
{
    private sealed record LogMessage(int Partition, long Offset, byte[]? Key, byte[]? Value);

    private const int Partitions = 6;
    private const int Minutes = 30_000;

    [Fact]
    public void The_figures_of_a_log_do_not_change_when_it_is_compacted()
    {
        var (log, expected) = LogWithEveryKindOfCopy();

        var before = Aggregate(log);
        var compacted = Compact(log, keepTombstones: true);
        var cleaned = Compact(log, keepTombstones: false);

        Assert.True(compacted.Count < log.Count && cleaned.Count < compacted.Count);
        Assert.Equal(IndependentFigures.Of(expected), before.Quarters);
        Assert.Equal(before.Quarters, Aggregate(compacted).Quarters);
        Assert.Equal(before.Quarters, Aggregate(cleaned).Quarters);
        Assert.Equal(expected.Count, before.ReadingsKept);
        Assert.Equal(expected.Count, Aggregate(cleaned).ReadingsKept);
    }

    [Fact]
    public void The_figures_do_not_depend_on_the_order_the_partitions_are_read_in()
    {
        var (log, _) = LogWithEveryKindOfCopy();
        var interleaved = log.OrderBy(m => m.Offset).ThenByDescending(m => m.Partition).ToList();
        var partitionByPartition = log.OrderByDescending(m => m.Partition).ThenBy(m => m.Offset).ToList();

        var a = Aggregate(interleaved);
        var b = Aggregate(partitionByPartition);

        Assert.Equal(a.Quarters, b.Quarters);
        Assert.Equal((a.MessagesRead, a.DuplicatesDropped, a.Invalid), (b.MessagesRead, b.DuplicatesDropped, b.Invalid));
    }

    [Fact]
    public void An_invalid_newest_copy_leaves_the_minute_out_and_counts_the_valid_older_copy_as_a_duplicate()
    {
        var at = new DateTime(2008, 3, 1, 10, 0, 0);
        var aggregator = new QuarterlyAggregator();
        aggregator.Add(Complete(at, 1m), 0, 0);
        aggregator.Add(Complete(at.AddMinutes(1), 2m), 0, 1);
        aggregator.Add(Complete(at.AddMinutes(2), 3m), 0, 2);
        Assert.Equal(ReadingValidity.Reasons.MeasureOutOfRange, aggregator.Add(0, 3, Key(at), Value(Complete(at, -5m))));
        Assert.Equal(ReadingValidity.Reasons.Tombstone, aggregator.Add(0, 4, Key(at.AddMinutes(1)), null));
        // An invalid older copy (offset 5 is newer than 2, then 6 newer still): the newest valid copy is the reading.
        Assert.Equal(ReadingValidity.Reasons.NotAFlatJsonObject, aggregator.Add(0, 5, Key(at.AddMinutes(2)), "{"u8.ToArray()));
        aggregator.Add(Complete(at.AddMinutes(2), 4m), 0, 6);

        var result = aggregator.Complete();

        var quarter = result.Quarter(2008, 1);
        Assert.Equal((1L, 4.000m), (quarter.ReadingCount, quarter.PeakGlobalActivePowerKw));
        // 7 messages: 3 invalid; valid ones 1, 2, 3 lost to newer copies; 4 kept.
        Assert.Equal((7L, 3L, 3L, 1L), (result.MessagesRead, result.Invalid, result.DuplicatesDropped, result.ReadingsKept));
    }

    [Fact]
    public void A_newer_message_whose_key_names_no_whole_minute_decides_no_minute()
    {
        // Spark ranks copies by the key's text, so a key of 10:00:30 is another key than 10:00:00: the reading stays.
        var at = new DateTime(2008, 3, 1, 10, 0, 0);
        var halfPast = at.AddSeconds(30);
        var aggregator = new QuarterlyAggregator();
        aggregator.Add(Complete(at, 1.5m), 0, 0);

        Assert.Equal(ReadingValidity.Reasons.TimestampNotWholeMinute, aggregator.Add(0, 1, Key(halfPast), Value(Complete(halfPast, 2m))));
        var result = aggregator.Complete();

        var quarter = result.Quarter(2008, 1);
        Assert.Equal((1L, 1.500m, at), (quarter.ReadingCount, quarter.PeakGlobalActivePowerKw, quarter.FirstReadingAt));
        Assert.Equal((2L, 1L, 0L, 1L), (result.MessagesRead, result.Invalid, result.DuplicatesDropped, result.ReadingsKept));
    }

    /// <summary>
    /// A log over 6 partitions (a key always in one): every minute once, then newer copies of some minutes (valid with
    /// other values, invalid, tombstones, invalid then valid again), and messages without a minute (null key, a key
    /// that is no minute). Returns the log and, computed here from the last operation per minute, the readings that
    /// must survive.
    /// </summary>
    private static (List<LogMessage> Log, List<EnergyReading> Expected) LogWithEveryKindOfCopy()
    {
        var offsets = new long[Partitions];
        var log = new List<LogMessage>();
        var surviving = new Dictionary<DateTime, EnergyReading?>();
        var readings = SyntheticReadings.Generate(Minutes).ToList();

        void Produce(int minuteIndex, byte[]? value, EnergyReading? survivor)
        {
            var timestamp = readings[minuteIndex].Timestamp;
            var partition = minuteIndex % Partitions;
            log.Add(new LogMessage(partition, offsets[partition]++, Key(timestamp), value));
            surviving[timestamp] = survivor;
        }

        for (var i = 0; i < Minutes; i++)
        {
            Produce(i, Value(readings[i]), readings[i]);
        }

        for (var i = 0; i < Minutes; i++)
        {
            var reading = readings[i];
            if (i % 7 == 0)
            {
                var corrected = Complete(reading.Timestamp, 0.5m + (i % 100) / 1000m, voltage: 231.5m, s3: 2m);
                Produce(i, Value(corrected), corrected);
            }
            else if (i % 11 == 0)
            {
                Produce(i, Value(Complete(reading.Timestamp, 2_000_000m)), null);
            }
            else if (i % 13 == 0)
            {
                Produce(i, null, null);
            }
            else if (i % 17 == 0)
            {
                Produce(i, Encoding.UTF8.GetBytes("{\"timestamp\":\"" + RawEnergyTopic.FormatKey(reading.Timestamp) + "\"}"), null);
                Produce(i, Value(reading), reading);
            }
            else if (i % 19 == 0)
            {
                Produce(i, Value(reading), reading);
            }

            if (i % 23 == 0)
            {
                log.Add(new LogMessage(i % Partitions, offsets[i % Partitions]++, null, Value(reading)));
                log.Add(new LogMessage(i % Partitions, offsets[i % Partitions]++, Encoding.UTF8.GetBytes(RawEnergyTopic.FormatKey(reading.Timestamp) + "Z"), Value(reading)));
            }
        }

        return (log, surviving.Values.Where(r => r is not null).Select(r => r!).ToList());
    }

    /// <summary>Kafka's compaction: per partition and key, only the message with the highest offset stays (null keys cannot be produced to a compacted topic).</summary>
    private static List<LogMessage> Compact(List<LogMessage> log, bool keepTombstones) =>
        log.Where(m => m.Key is not null)
            .GroupBy(m => (m.Partition, Key: Convert.ToBase64String(m.Key!)))
            .Select(g => g.MaxBy(m => m.Offset)!)
            .Where(m => keepTombstones || m.Value is not null)
            .OrderBy(m => m.Partition).ThenBy(m => m.Offset)
            .ToList();

    private static AggregationResult Aggregate(IEnumerable<LogMessage> log)
    {
        var aggregator = new QuarterlyAggregator();
        foreach (var message in log)
        {
            aggregator.Add(message.Partition, message.Offset, message.Key, message.Value);
        }

        return aggregator.Complete();
    }
}
