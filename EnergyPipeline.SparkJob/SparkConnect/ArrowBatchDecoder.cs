using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;

namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>Decodes the Arrow IPC streams Spark sends in <c>ArrowBatch.data</c> into plain rows.</summary>
internal static class ArrowBatchDecoder
{
    /// <summary>Appends the rows of one IPC stream; returns the stream's column names.</summary>
    public static IReadOnlyList<string> Decode(ReadOnlyMemory<byte> ipcStream, List<object?[]> rows)
    {
        using var reader = new ArrowStreamReader(ipcStream);
        var columns = new List<string>();
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                for (var row = 0; row < batch.Length; row++)
                {
                    var values = new object?[batch.ColumnCount];
                    for (var column = 0; column < batch.ColumnCount; column++)
                    {
                        values[column] = ValueAt(batch.Column(column), row);
                    }

                    rows.Add(values);
                }
            }
        }

        foreach (var field in reader.Schema.FieldsList)
        {
            columns.Add(field.Name);
        }

        return columns;
    }

    internal static object? ValueAt(IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            return null;
        }

        return array switch
        {
            Int64Array a => a.GetValue(index),
            Int32Array a => a.GetValue(index),
            Int16Array a => a.GetValue(index),
            Int8Array a => a.GetValue(index),
            StringArray a => a.GetString(index),
            Decimal128Array a => a.GetValue(index),
            BooleanArray a => a.GetValue(index),
            DoubleArray a => a.GetValue(index),
            FloatArray a => a.GetValue(index),
            Date32Array a => a.GetDateOnly(index),
            TimestampArray a when string.IsNullOrEmpty(((TimestampType)a.Data.DataType).Timezone) => a.GetTimestamp(index)!.Value.DateTime,
            TimestampArray a => a.GetTimestamp(index),
            BinaryArray a => a.GetBytes(index).ToArray(),
            _ => throw new NotSupportedException($"Arrow type {array.Data.DataType.Name} is not decoded by this client."),
        };
    }
}
