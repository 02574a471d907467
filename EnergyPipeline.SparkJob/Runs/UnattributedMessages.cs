using System.Text;

namespace EnergyPipeline.SparkJob.Runs;

/// <summary>A message no completion record covers: where it is, and the start of its key (null when it has none).</summary>
public sealed record UnattributedMessage(int Partition, long Offset, string? Key)
{
    /// <summary>Characters of a key kept for the log: a key of the contract has 19.</summary>
    public const int KeyCharacters = 40;

    /// <summary>The key as text for the log: UTF-8 (malformed bytes replaced), cut to <see cref="KeyCharacters"/>.</summary>
    public static string? KeyText(ReadOnlySpan<byte> key, bool hasKey) =>
        hasKey ? Cut(Encoding.UTF8.GetString(key[..Math.Min(key.Length, KeyCharacters * 4)])) : null;

    public static string? Cut(string? key) => key is { Length: > KeyCharacters } ? key[..KeyCharacters] + "..." : key;

    public override string ToString() => $"{Partition}:{Offset} key {(Key is null ? "null" : $"'{Key}'")}";
}

/// <summary>
/// Counts the messages no completion record covers (hand-written, another producer's, an ingestion killed or still
/// running) and keeps the first few: they are neither validated nor used.
/// </summary>
public sealed class UnattributedMessages(int samples = UnattributedMessages.DefaultSamples)
{
    public const int DefaultSamples = 5;

    private readonly List<UnattributedMessage> _samples = [];

    public long Count { get; private set; }

    public IReadOnlyList<UnattributedMessage> Samples => _samples;

    public void Add(int partition, long offset, byte[]? key)
    {
        Count++;
        if (_samples.Count < samples)
        {
            _samples.Add(new UnattributedMessage(partition, offset, UnattributedMessage.KeyText(key, key is not null)));
        }
    }
}
