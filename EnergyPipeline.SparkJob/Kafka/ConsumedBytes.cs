using Confluent.Kafka;

namespace EnergyPipeline.SparkJob.Kafka;

/// <summary>
/// A message's key or value as the consumer handed it over, copied into a buffer that the next message of the same
/// consumer reuses: valid until the next <c>Consume</c>. Two million messages a run are read without a key and a value
/// array each; <see cref="ToArray"/> copies when a caller keeps the bytes.
/// </summary>
public sealed class ConsumedBytes
{
    private byte[] _buffer = new byte[256];

    /// <summary>Kafka's null (a tombstone's value, a message without key), not an empty array.</summary>
    public bool IsNull { get; private set; } = true;

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public int Length { get; private set; }

    public byte[]? ToArray() => IsNull ? null : Span.ToArray();

    private ConsumedBytes Fill(ReadOnlySpan<byte> data, bool isNull)
    {
        if (data.Length > _buffer.Length)
        {
            _buffer = new byte[Math.Max(data.Length, _buffer.Length * 2)];
        }

        data.CopyTo(_buffer);
        Length = data.Length;
        IsNull = isNull;
        return this;
    }

    /// <summary>Fills one <see cref="ConsumedBytes"/> per deserializer: a consumer needs one for keys and one for values.</summary>
    public sealed class Deserializer : IDeserializer<ConsumedBytes>
    {
        private readonly ConsumedBytes _bytes = new();

        public ConsumedBytes Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => _bytes.Fill(data, isNull);
    }
}
