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

    /// <summary>Winning copies per run id, as QueryWinningCopies answers.</summary>
    public static byte[] RunCopies(params (string RunId, long Copies)[] rows)
    {
        var runIds = new StringArray.Builder();
        var copies = new Int64Array.Builder();
        foreach (var (runId, count) in rows)
        {
            runIds.Append(runId);
            copies.Append(count);
        }

        return Write(new RecordBatch.Builder().Append("run_id", false, runIds.Build()).Append("copies", false, copies.Build()).Build());
    }

    /// <summary>The newest ingestion's presence per partition, as QueryNewestIngestion answers.</summary>
    public static byte[] Presence(params (int Partition, long Present, long Later)[] rows)
    {
        var partitions = new Int32Array.Builder();
        var present = new Int64Array.Builder();
        var later = new Int64Array.Builder();
        foreach (var row in rows)
        {
            partitions.Append(row.Partition);
            present.Append(row.Present);
            later.Append(row.Later);
        }

        return Write(new RecordBatch.Builder()
            .Append("kafka_partition", false, partitions.Build()).Append("present", false, present.Build()).Append("later", false, later.Build()).Build());
    }

    /// <summary>One row of BIGINT columns, as a COUNT query answers.</summary>
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

    public static byte[] Longs(params (string Name, long Value)[] columns)
    {
        var builder = new RecordBatch.Builder();
        foreach (var (name, value) in columns)
        {
            builder.Append(name, false, new Int64Array.Builder().Append(value).Build());
        }

        return Write(builder.Build());
    }

    /// <summary>One STRING column.</summary>
    public static byte[] Strings(string name, params string[] values)
    {
        var column = new StringArray.Builder();
        foreach (var value in values)
        {
            column.Append(value);
        }

        return Write(new RecordBatch.Builder().Append(name, true, column.Build()).Build());
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
