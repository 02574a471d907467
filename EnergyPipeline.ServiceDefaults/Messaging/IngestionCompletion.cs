using System.Text.Json;
using System.Text.Json.Serialization;

namespace EnergyPipeline.Messaging;

/// <summary>
/// Offsets <see cref="First"/> to <see cref="Last"/> (both inclusive) of one partition, every one of them a message
/// of the same ingestion. Written in JSON as <c>[first, last]</c>.
/// </summary>
[JsonConverter(typeof(OffsetRunJsonConverter))]
public readonly record struct OffsetRun(long First, long Last)
{
    public long Length => Last - First + 1;
}

/// <summary>
/// The offsets one ingestion's delivery reports returned in one partition, as sorted, coalesced runs: one run when the
/// ingestion wrote alone, more when another producer's messages landed between its own.
/// </summary>
public sealed record PartitionOffsetRuns(
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("runs")] IReadOnlyList<OffsetRun> Runs)
{
    [JsonIgnore]
    public long Messages => Runs.Sum(r => r.Length);
}

/// <summary>
/// The record an ingestion writes to the control topic (<see cref="RawEnergyTopic.CompletionTopic"/>) once every one
/// of its deliveries is confirmed: a message is a reading of that ingestion exactly when its offset lies in one of the
/// record's <see cref="OffsetRuns"/> (docs/contract.md, *Completion records*). Keyed by run id in a compacted topic,
/// so a record is never compacted away.
/// </summary>
/// <param name="OffsetRuns">
/// Per partition, the runs of offsets the ingestion's messages occupy. Null in a record written by an ingestor that
/// did not record them yet: such a record vouches for no message.
/// </param>
/// <param name="Mac">
/// The HMAC-SHA256 of <see cref="CanonicalBytes"/> under the ingestor's <see cref="CompletionKey"/> (docs/contract.md,
/// *Signed completion records*); absent when the ingestor has no key.
/// </param>
public sealed record IngestionCompletion(
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("source_sha256")] string SourceSha256,
    [property: JsonPropertyName("rows_sent")] long RowsSent,
    [property: JsonPropertyName("first_reading")] DateTime? FirstReading,
    [property: JsonPropertyName("last_reading")] DateTime? LastReading,
    [property: JsonPropertyName("offset_runs")] IReadOnlyList<PartitionOffsetRuns>? OffsetRuns,
    [property: JsonPropertyName("traceparent")] string? TraceParent,
    [property: JsonPropertyName("completed_at")] DateTimeOffset CompletedAt,
    [property: JsonPropertyName("mac"), JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Mac = null)
{
    /// <summary>
    /// Lines of the file the ingestion skipped as malformed (at most the ingestor's Ingestor:MaxMalformedLines); null in
    /// a record of an ingestor that did not count them.
    /// </summary>
    [JsonPropertyName("malformed_lines")]
    public long? MalformedLines { get; init; }

    /// <summary>Those lines per reason (the ingestor's malformed-line reasons and the contract's), e.g. <c>{"bad_time": 1}</c>.</summary>
    [JsonPropertyName("malformed_by_reason")]
    public IReadOnlyDictionary<string, long>? MalformedByReason { get; init; }

    /// <summary>The record as the ingestor writes it to the control topic: <see cref="CanonicalBytes"/> with <c>mac</c> last.</summary>
    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(AsWritten());

    /// <summary>
    /// What the MAC covers: the record without its <c>mac</c>, written by this one writer (compact UTF-8 JSON, the
    /// properties in declaration order, the members of <c>malformed_by_reason</c> sorted by name). The job computes
    /// them again from the record it parsed, so the MAC vouches for exactly what the job reads: the bytes on the topic
    /// may differ in order, spacing or escapes, not in content.
    /// </summary>
    public byte[] CanonicalBytes() => JsonSerializer.SerializeToUtf8Bytes(AsWritten() with { Mac = null });

    // A JSON object's members have no order: the one writer puts the reasons in order of their names.
    private IngestionCompletion AsWritten() => MalformedByReason is null
        ? this
        : this with { MalformedByReason = new SortedDictionary<string, long>(MalformedByReason.ToDictionary(), StringComparer.Ordinal) };

    /// <summary>The record of a control-topic message, or null (with the reason) when it is not one.</summary>
    public static IngestionCompletion? TryParse(ReadOnlySpan<byte> value, out string? error)
    {
        IngestionCompletion? record;
        try
        {
            record = JsonSerializer.Deserialize<IngestionCompletion>(value);
        }
        catch (JsonException ex)
        {
            error = $"not a completion record: {ex.Message}";
            return null;
        }

        error = record is { RunId.Length: > 0, SourceSha256: not null }
            ? OffsetRunsProblem(record)
            : "not a completion record (run_id or source_sha256 missing)";
        return error is null ? record : null;
    }

    /// <summary>
    /// Null when the offset runs are well formed: each partition once, runs sorted, apart and non-empty, and as many
    /// offsets as rows sent.
    /// </summary>
    private static string? OffsetRunsProblem(IngestionCompletion record)
    {
        if (record.OffsetRuns is null)
        {
            return null;
        }

        if (record.OffsetRuns.Any(p => p is null || p.Runs is null || p.Partition < 0)
            || record.OffsetRuns.Select(p => p.Partition).Distinct().Count() != record.OffsetRuns.Count)
        {
            return "not a completion record: offset_runs needs each partition once, with its runs";
        }

        foreach (var partition in record.OffsetRuns)
        {
            for (var i = 0; i < partition.Runs.Count; i++)
            {
                var run = partition.Runs[i];
                if (run.First < 0 || run.Last < run.First || (i > 0 && run.First <= partition.Runs[i - 1].Last + 1))
                {
                    return $"not a completion record: the runs of partition {partition.Partition} are not sorted, apart and non-empty";
                }
            }
        }

        var offsets = record.OffsetRuns.Sum(p => p.Messages);
        return offsets == record.RowsSent
            ? null
            : $"not a completion record: its offset runs hold {offsets} offsets but rows_sent is {record.RowsSent}";
    }
}

/// <summary>Reads and writes an <see cref="OffsetRun"/> as the two-number array <c>[first, last]</c>.</summary>
internal sealed class OffsetRunJsonConverter : JsonConverter<OffsetRun>
{
    public override OffsetRun Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray || !reader.Read() || !reader.TryGetInt64(out var first)
            || !reader.Read() || !reader.TryGetInt64(out var last) || !reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException("an offset run is an array [first, last] of two integers");
        }

        return new OffsetRun(first, last);
    }

    public override void Write(Utf8JsonWriter writer, OffsetRun value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.First);
        writer.WriteNumberValue(value.Last);
        writer.WriteEndArray();
    }
}
