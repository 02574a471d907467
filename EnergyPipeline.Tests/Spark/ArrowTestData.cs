using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;

namespace EnergyPipeline.Tests.Spark;

/// <summary>Arrow IPC streams built with Apache.Arrow's writer, shaped like Spark's result batches.</summary>
internal static class ArrowTestData
{
    /// <summary>One IPC stream (schema + one batch) of per-partition offsets, as QueryPartitionOffsets answers.</summary>
    public static byte[] Offsets(params (int Partition, long Min, long Max, long Records)[] rows)
    {
        var partition = new Int32Array.Builder();
        var min = new Int64Array.Builder();
        var max = new Int64Array.Builder();
        var records = new Int64Array.Builder();
        foreach (var row in rows)
        {
            partition.Append(row.Partition);
            min.Append(row.Min);
            max.Append(row.Max);
            records.Append(row.Records);
        }

        var batch = new RecordBatch.Builder()
            .Append("kafka_partition", false, partition.Build())
            .Append("min_offset", false, min.Build())
            .Append("max_offset", false, max.Build())
            .Append("records", false, records.Build())
            .Build();
        return Write(batch);
    }

    /// <summary>Counts per number (INT, BIGINT), as QueryWinningCopies (ingestion, copies) and QueryRunPresence (run_index, present) answer.</summary>
    public static byte[] Counts(string number, string count, params (int Number, long Count)[] rows)
    {
        var numbers = new Int32Array.Builder();
        var counts = new Int64Array.Builder();
        foreach (var row in rows)
        {
            numbers.Append(row.Number);
            counts.Append(row.Count);
        }

        return Write(new RecordBatch.Builder().Append(number, false, numbers.Build()).Append(count, false, counts.Build()).Build());
    }

    /// <summary>Rows of SparkPlan.QueryUnattributed: a sample's partition, offset and key (null for none), and the count of all.</summary>
    public static byte[] Unattributed(long messages, params (int Partition, long Offset, string? Key)[] samples)
    {
        var partition = new Int32Array.Builder();
        var offset = new Int64Array.Builder();
        var key = new StringArray.Builder();
        var count = new Int64Array.Builder();
        foreach (var sample in samples)
        {
            partition.Append(sample.Partition);
            offset.Append(sample.Offset);
            if (sample.Key is null)
            {
                key.AppendNull();
            }
            else
            {
                key.Append(sample.Key);
            }

            count.Append(messages);
        }

        return Write(new RecordBatch.Builder()
            .Append("kafka_partition", false, partition.Build()).Append("kafka_offset", false, offset.Build())
            .Append("reading_key", true, key.Build()).Append("messages", false, count.Build()).Build());
    }

    /// <summary>Rows of SparkPlan.QueryInvalidReasons: reason, its count, and one sample's partition and offset.</summary>
    public static byte[] InvalidReasons(params (string Reason, long Messages, int Partition, long Offset)[] rows)
    {
        var reason = new StringArray.Builder();
        var messages = new Int64Array.Builder();
        var partition = new Int32Array.Builder();
        var offset = new Int64Array.Builder();
        foreach (var row in rows)
        {
            reason.Append(row.Reason);
            messages.Append(row.Messages);
            partition.Append(row.Partition);
            offset.Append(row.Offset);
        }

        return Write(new RecordBatch.Builder()
            .Append("invalid_reason", true, reason.Build())
            .Append("messages", false, messages.Build())
            .Append("kafka_partition", false, partition.Build())
            .Append("kafka_offset", false, offset.Build())
            .Build());
    }

    /// <summary>One row of BIGINT columns, as a COUNT query answers.</summary>
    public static byte[] Longs(params (string Name, long Value)[] columns)
    {
        var builder = new RecordBatch.Builder();
        foreach (var (name, value) in columns)
        {
            builder.Append(name, false, new Int64Array.Builder().Append(value).Build());
        }

        return Write(builder.Build());
    }

    /// <summary>A batch with the types the job reads back: decimal, string, date, timestamps, nulls.</summary>
    public static byte[] MixedTypes()
    {
        var energy = new Decimal128Array.Builder(new Decimal128Type(26, 3));
        energy.Append(1234567.891m);
        energy.AppendNull();
        var name = new StringArray.Builder();
        name.Append("2007Q1");
        name.AppendNull();
        var quarter = new Date32Array.Builder();
        quarter.Append(new DateOnly(2007, 1, 1));
        quarter.Append(new DateOnly(2010, 10, 1));
        var ntz = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, (string?)null));
        ntz.Append(new DateTimeOffset(2006, 12, 16, 17, 24, 0, TimeSpan.Zero));
        ntz.AppendNull();
        var utc = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
        utc.Append(new DateTimeOffset(2010, 11, 26, 21, 2, 0, TimeSpan.Zero));
        utc.Append(new DateTimeOffset(2010, 11, 26, 21, 2, 0, TimeSpan.Zero));

        var batch = new RecordBatch.Builder()
            .Append("energy", true, energy.Build())
            .Append("name", true, name.Build())
            .Append("quarter", false, quarter.Build())
            .Append("first_reading_at", true, ntz.Build())
            .Append("processed_at", false, utc.Build())
            .Build();
        return Write(batch);
    }

    private static byte[] Write(RecordBatch batch)
    {
        using var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, batch.Schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }

        return stream.ToArray();
    }
}
