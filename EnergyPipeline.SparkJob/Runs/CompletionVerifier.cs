using EnergyPipeline.Messaging;

namespace EnergyPipeline.SparkJob.Runs;

/// <summary>A completion record refused because its MAC is missing or wrong: where it is and whose run it claims to be.</summary>
public sealed record UnsignedCompletion(long Offset, string RunId, CompletionSignature Signature)
{
    public override string ToString() =>
        $"run {UnattributedMessage.Cut(RunId)} at offset {Offset} ({(Signature == CompletionSignature.Missing ? "no MAC" : "wrong MAC")})";
}

/// <summary>
/// The completion records of a control topic, sorted by what the job may do with them: <see cref="Verified"/> ones
/// attribute their offsets; <see cref="Unsigned"/> ones attribute nothing (null: the job has no key and verified
/// nothing). <see cref="KeyMismatch"/> names a key on one side only.
/// </summary>
public sealed record CompletionRecords(IReadOnlyList<IngestionCompletion> Verified, IReadOnlyList<UnsignedCompletion>? Unsigned, string? KeyMismatch)
{
    /// <summary>The offsets of the control topic's messages that are no completion record (null, or not one that parses): they attribute nothing.</summary>
    public IReadOnlyList<long> Unreadable { get; init; } = [];
}

/// <summary>
/// Verifies every completion record before anything is attributed (docs/contract.md, *Signed completion records*):
/// with a <see cref="CompletionKey"/> a record counts only when its MAC is the key's; without one every record counts
/// (the pipeline runs unsigned). A key on one side only is a configuration error, seen here from the job's side: records
/// that carry MACs while the job has no key, or a key while none of the records carries a MAC.
/// </summary>
public sealed class CompletionVerifier(CompletionKey? key)
{
    /// <summary>No key: records are taken as they are.</summary>
    public static readonly CompletionVerifier Unkeyed = new(null);

    public bool HasKey => key is not null;

    /// <param name="controlTopic">The topic the records come from, for the messages.</param>
    /// <param name="records">The control topic's records in the order they were written, each with its offset.</param>
    public CompletionRecords Verify(string controlTopic, IReadOnlyList<(long Offset, IngestionCompletion Record)> records)
    {
        var signed = records.Count(r => r.Record.Mac is not null);
        if (key is null)
        {
            return new CompletionRecords(records.Select(r => r.Record).ToList(), null, signed == 0 ? null :
                $"{signed} of the {records.Count} completion records of {controlTopic} are signed, but the job has no {CompletionKey.Setting}: " +
                "give it the ingestor's key (the AppHost passes its parameter completion-key to both).");
        }

        var verified = new List<IngestionCompletion>();
        var unsigned = new List<UnsignedCompletion>();
        foreach (var (offset, record) in records)
        {
            var signature = key.Check(record);
            if (signature == CompletionSignature.Valid)
            {
                verified.Add(record);
            }
            else
            {
                unsigned.Add(new UnsignedCompletion(offset, record.RunId, signature));
            }
        }

        return new CompletionRecords(verified, unsigned, records.Count == 0 || signed > 0 ? null :
            $"None of the {records.Count} completion records of {controlTopic} is signed, but the job has {CompletionKey.Setting}: " +
            "the ingestor runs without it; give the ingestor the same key and ingest again.");
    }
}

/// <summary>A key on one side only (<see cref="CompletionRecords.KeyMismatch"/>): a configuration error, exit code 2.</summary>
public sealed class CompletionKeyMismatchException(string message) : InvalidOperationException(message);
