using Confluent.Kafka;
using EnergyPipeline.SparkJob.Kafka;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The job's deserializer reuses one buffer per consumer for keys and one for values: each message must read as
/// exactly its own bytes, whatever came before it, and Kafka's null must stay apart from an empty array.
/// </summary>
public sealed class ConsumedBytesTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "raw_energy");

    [Fact]
    public void Each_message_reads_as_its_own_bytes_after_a_longer_or_shorter_one()
    {
        var deserializer = new ConsumedBytes.Deserializer();
        var random = new Random(7);
        foreach (var length in new[] { 10, 300, 5, 4096, 0, 257, 1 })
        {
            var data = new byte[length];
            random.NextBytes(data);

            var bytes = deserializer.Deserialize(data, isNull: false, Context);

            Assert.False(bytes.IsNull);
            Assert.Equal(length, bytes.Length);
            Assert.Equal(data, bytes.Span.ToArray());
            Assert.Equal(data, Assert.IsType<byte[]>(bytes.ToArray()));
        }
    }

    [Fact]
    public void Null_is_not_an_empty_array()
    {
        var deserializer = new ConsumedBytes.Deserializer();
        deserializer.Deserialize([1, 2, 3], isNull: false, Context);

        var nothing = deserializer.Deserialize(ReadOnlySpan<byte>.Empty, isNull: true, Context);
        Assert.True(nothing.IsNull);
        Assert.Null(nothing.ToArray());

        var empty = deserializer.Deserialize(ReadOnlySpan<byte>.Empty, isNull: false, Context);
        Assert.False(empty.IsNull);
        Assert.Equal([], Assert.IsType<byte[]>(empty.ToArray()));
    }
}
