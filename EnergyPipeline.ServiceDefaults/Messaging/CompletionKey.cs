using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Messaging;

/// <summary>What a completion record's <c>mac</c> says about it under a key.</summary>
public enum CompletionSignature
{
    /// <summary>The MAC is the key's over the record's canonical bytes.</summary>
    Valid,

    /// <summary>The record carries no MAC.</summary>
    Missing,

    /// <summary>The record carries a MAC that is not the key's over its canonical bytes (another key, or a changed record).</summary>
    Wrong,
}

/// <summary>
/// The secret the ingestor signs its completion records with and the job verifies them with (docs/contract.md,
/// *Signed completion records*): HMAC-SHA256 keyed with the UTF-8 bytes of <c>Pipeline:CompletionKey</c>, over the
/// record's canonical bytes (<see cref="IngestionCompletion.CanonicalBytes"/>), written in the record's <c>mac</c> as
/// 64 lowercase hexadecimal digits.
/// </summary>
public sealed class CompletionKey
{
    public const string Setting = "Pipeline:CompletionKey";

    /// <summary>The shortest key taken: 32 characters (the AppHost generates longer ones).</summary>
    public const int MinimumLength = 32;

    private readonly byte[] _key;

    private CompletionKey(byte[] key) => _key = key;

    /// <summary>The key <c>Pipeline:CompletionKey</c> names, or null when it is not set.</summary>
    /// <exception cref="CompletionKeyException">The key is shorter than <see cref="MinimumLength"/>.</exception>
    public static CompletionKey? Read(IConfiguration configuration) =>
        configuration[Setting] is { Length: > 0 } key ? From(key) : null;

    /// <exception cref="CompletionKeyException">The key is shorter than <see cref="MinimumLength"/>.</exception>
    public static CompletionKey From(string key) => key.Length >= MinimumLength
        ? new CompletionKey(Encoding.UTF8.GetBytes(key))
        : throw new CompletionKeyException(
            $"{Setting} has {key.Length} characters; use at least {MinimumLength} (the AppHost generates one: its parameter completion-key).");

    /// <summary>The record with its MAC.</summary>
    public IngestionCompletion Sign(IngestionCompletion record) => record with { Mac = MacOf(record) };

    /// <summary>Whether the record's MAC is this key's over what the record says.</summary>
    public CompletionSignature Check(IngestionCompletion record)
    {
        if (record.Mac is null)
        {
            return CompletionSignature.Missing;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(MacOf(record)), Encoding.ASCII.GetBytes(record.Mac))
            ? CompletionSignature.Valid
            : CompletionSignature.Wrong;
    }

    private string MacOf(IngestionCompletion record) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, record.CanonicalBytes()));

    // Never the key itself.
    public override string ToString() => nameof(CompletionKey);
}

/// <summary><c>Pipeline:CompletionKey</c> cannot be used; the message says why (a configuration error).</summary>
public sealed class CompletionKeyException(string message) : InvalidOperationException(message);
