using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>
/// Messages copied out of the consumer's reused buffers, one after the other in one array: each a header (offset,
/// partition, ingestion, key and value lengths, -1 for Kafka's null) followed by its key and value bytes.
/// <see cref="AddTo"/> feeds them to a <see cref="QuarterlyAggregator"/> in the order they were added.
/// </summary>
internal sealed class MessageBatch(int capacityBytes)
{
    private static readonly int HeaderBytes = Unsafe.SizeOf<Header>();

    private byte[] _bytes = new byte[capacityBytes];
    private int _length;

    public int Count { get; private set; }

    /// <summary>
    /// Appends one message; false when it does not fit beside the messages already in the batch. An empty batch
    /// takes any message, growing for one larger than its capacity (and shrinking back on <see cref="Clear"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAdd(int partition, long offset, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, ushort ingestion)
    {
        var keyLength = hasKey ? key.Length : 0;
        var valueLength = hasValue ? value.Length : 0;
        var size = HeaderBytes + keyLength + valueLength;
        if (size > _bytes.Length - _length)
        {
            if (Count > 0)
            {
                return false;
            }

            _bytes = new byte[size];
        }

        var header = new Header
        {
            Offset = offset,
            Partition = partition,
            KeyLength = hasKey ? keyLength : -1,
            ValueLength = hasValue ? valueLength : -1,
            Ingestion = ingestion,
        };
        var destination = _bytes.AsSpan(_length, size);
        MemoryMarshal.Write(destination, in header);
        key[..keyLength].CopyTo(destination[HeaderBytes..]);
        value[..valueLength].CopyTo(destination[(HeaderBytes + keyLength)..]);
        _length += size;
        Count++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddTo(QuarterlyAggregator aggregator)
    {
        var bytes = _bytes.AsSpan(0, _length);
        while (!bytes.IsEmpty)
        {
            var header = MemoryMarshal.Read<Header>(bytes);
            var keyLength = Math.Max(header.KeyLength, 0);
            var valueLength = Math.Max(header.ValueLength, 0);
            var key = bytes.Slice(HeaderBytes, keyLength);
            var value = bytes.Slice(HeaderBytes + keyLength, valueLength);
            aggregator.Add(header.Partition, header.Offset, key, header.KeyLength >= 0, value, header.ValueLength >= 0, header.Ingestion);
            bytes = bytes[(HeaderBytes + keyLength + valueLength)..];
        }
    }

    public void Clear()
    {
        if (_bytes.Length > capacityBytes)
        {
            _bytes = new byte[capacityBytes];
        }

        _length = 0;
        Count = 0;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 2)]
    private struct Header
    {
        public long Offset;
        public int Partition;
        public int KeyLength;
        public int ValueLength;
        public ushort Ingestion;
    }
}
