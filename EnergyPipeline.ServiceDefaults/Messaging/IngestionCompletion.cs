using System.Text.Json;
using System.Text.Json.Serialization;

namespace EnergyPipeline.Messaging;

/// <summary>The offsets one ingestion's deliveries occupy in one partition (both inclusive), from the delivery reports.</summary>
public sealed record PartitionOffsetRange(
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("first_offset")] long FirstOffset,
    [property: JsonPropertyName("last_offset")] long LastOffset,
    [property: JsonPropertyName("messages")] long Messages);

/// <summary>
/// The record an ingestion writes to the control topic (<see cref="RawEnergyTopic.CompletionTopic"/>) once every one
/// of its deliveries is confirmed: the job publishes only readings it can trace to such a record (docs/contract.md, *Completion records*).
/// Keyed by run id in a compacted topic, so a record is never compacted away.
/// </summary>
public sealed record IngestionCompletion(
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("source_sha256")] string SourceSha256,
    [property: JsonPropertyName("rows_sent")] long RowsSent,
    [property: JsonPropertyName("first_reading")] DateTime? FirstReading,
    [property: JsonPropertyName("last_reading")] DateTime? LastReading,
    [property: JsonPropertyName("partitions")] IReadOnlyList<PartitionOffsetRange> Partitions,
    [property: JsonPropertyName("traceparent")] string? TraceParent,
    [property: JsonPropertyName("completed_at")] DateTimeOffset CompletedAt)
{
    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <summary>The record of a control-topic message, or null (with the reason) when it is not one.</summary>
    public static IngestionCompletion? TryParse(ReadOnlySpan<byte> value, out string? error)
    {
        error = null;
        try
        {
            var record = JsonSerializer.Deserialize<IngestionCompletion>(value);
            if (record is { RunId.Length: > 0, SourceSha256: not null, Partitions: not null })
            {
                return record;
            }

            error = "not a completion record (run_id, source_sha256 or partitions missing)";
        }
        catch (JsonException ex)
        {
            error = $"not a completion record: {ex.Message}";
        }

        return null;
    }
}
