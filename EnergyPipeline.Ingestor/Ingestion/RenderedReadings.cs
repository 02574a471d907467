using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Ingestor.Ingestion;

/// <summary>
/// Readings rendered into their messages on the reading thread, for the producing thread to send
/// (<see cref="KafkaReadingPublisher"/>): each reading's key array (the delivery report hands it back), its value
/// packed beside the others in one buffer, and its line number.
/// </summary>
internal sealed class RenderedReadings
{
    /// <summary>Readings per batch at most.</summary>
    public const int Capacity = 4096;

    /// <summary>About 3,500 values of the contract; the batch is full when the next one might not fit.</summary>
    private const int ValueBufferBytes = 512 * 1024;

    private readonly byte[][] _keys = new byte[Capacity][];
    private readonly long[] _lineNumbers = new long[Capacity];
    private readonly int[] _valueEnds = new int[Capacity];
    private readonly byte[] _values = new byte[ValueBufferBytes];

    public int Count { get; private set; }

    public bool IsFull => Count == Capacity || ValueBufferBytes - ValueEnd(Count - 1) < EnergyReadingJson.MaxLength;

    public void Add(in HouseholdReading reading, long lineNumber)
    {
        var start = ValueEnd(Count - 1);
        var length = KafkaReadingPublisher.WriteValue(reading, _values.AsSpan(start, EnergyReadingJson.MaxLength));
        _keys[Count] = KafkaReadingPublisher.Key(reading);
        _lineNumbers[Count] = lineNumber;
        _valueEnds[Count] = start + length;
        Count++;
    }

    public byte[] Key(int index) => _keys[index];

    public long LineNumber(int index) => _lineNumbers[index];

    public ReadOnlySpan<byte> Value(int index) => _values.AsSpan(ValueEnd(index - 1).._valueEnds[index]);

    public void Clear()
    {
        // The keys go with the delivery reports that hold them, not with this batch.
        Array.Clear(_keys, 0, Count);
        Count = 0;
    }

    private int ValueEnd(int index) => index < 0 ? 0 : _valueEnds[index];
}
