using System.Security.Cryptography;
using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Runs;

namespace EnergyPipeline.Tests.Contract;

/// <summary>
/// Signed completion records (docs/contract.md, *Signed completion records*): the MAC is HMAC-SHA256 under the key's
/// UTF-8 bytes over the record's JSON without <c>mac</c> as the one writer writes it, checked against what the job
/// parsed, so bytes that say the same thing differently verify and bytes that say anything else do not.
/// </summary>
public sealed class CompletionSignatureTests
{
    private const string Key = "k3y-of-thirty-two-characters-0123456789";

    private static readonly IngestionCompletion Record = new(
        "run-1", "4259c9d7", 3, new DateTime(2006, 12, 16, 17, 24, 0), new DateTime(2006, 12, 16, 17, 26, 0),
        [new PartitionOffsetRuns(0, [new OffsetRun(0, 1)]), new PartitionOffsetRuns(2, [new OffsetRun(7, 7)])],
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero))
    {
        MalformedLines = 3,
        MalformedByReason = new Dictionary<string, long> { ["bad_time"] = 1, ["bad_date"] = 2 },
    };

    /// <summary>The record's canonical bytes, written out by hand from the contract's field table.</summary>
    private const string Canonical =
        "{\"run_id\":\"run-1\",\"source_sha256\":\"4259c9d7\",\"rows_sent\":3,\"first_reading\":\"2006-12-16T17:24:00\",\"last_reading\":\"2006-12-16T17:26:00\"," +
        "\"offset_runs\":[{\"partition\":0,\"runs\":[[0,1]]},{\"partition\":2,\"runs\":[[7,7]]}]," +
        "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\",\"completed_at\":\"2024-05-01T12:00:00+00:00\"," +
        "\"malformed_lines\":3,\"malformed_by_reason\":{\"bad_date\":2,\"bad_time\":1}}";

    [Fact]
    public void The_mac_is_hmac_sha256_in_lowercase_hex_of_the_record_without_mac_as_its_writer_writes_it()
    {
        var signed = CompletionKey.From(Key).Sign(Record);

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(Canonical)));
        Assert.Equal(Canonical, Encoding.UTF8.GetString(Record.CanonicalBytes()));
        Assert.Equal(Canonical, Encoding.UTF8.GetString(signed.CanonicalBytes()));
        Assert.Equal(expected, signed.Mac);
        Assert.Equal(Canonical[..^1] + $",\"mac\":\"{expected}\"}}", Encoding.UTF8.GetString(signed.ToJsonBytes()));
        Assert.Equal(Canonical, Encoding.UTF8.GetString(Record.ToJsonBytes()));
    }

    [Fact]
    public void The_same_record_in_another_order_spacing_and_escaping_verifies_and_a_changed_one_does_not()
    {
        var key = CompletionKey.From(Key);
        var mac = key.Sign(Record).Mac!;
        // The same content: properties and reasons reordered, spaces and line breaks, an escaped letter, a field the job does not read.
        var same = $$"""
            {
              "mac" : "{{mac}}", "completed_at":"2024-05-01T12:00:00+00:00", "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
              "offset_runs": [ {"runs":[[0, 1]], "partition":0}, {"partition":2,"runs":[[7,7]]} ],
              "last_reading":"2006-12-16T17:26:00", "first_reading":"2006-12-16T17:24:00", "rows_sent": 3,
              "source_sha256":"4259c9d7", "run_id":"\u0072un-1", "comment": "not read by the job",
              "malformed_by_reason": { "bad_time": 1, "bad_date": 2 }, "malformed_lines": 3
            }
            """;

        Assert.Equal(CompletionSignature.Valid, key.Check(Parse(same)));
        // What an attacker would change: the offsets (a run moved onto foreign messages), the run id, a duplicate
        // property after the signed one, the MAC of another record.
        Assert.Equal(CompletionSignature.Wrong, key.Check(Parse(same.Replace("[[7,7]]", "[[8,8]]", StringComparison.Ordinal))));
        Assert.Equal(CompletionSignature.Wrong, key.Check(Parse(same.Replace("\\u0072un-1", "run-2", StringComparison.Ordinal))));
        Assert.Equal(CompletionSignature.Wrong, key.Check(Parse(same.Replace("\"bad_date\": 2", "\"bad_date\": 0", StringComparison.Ordinal))));
        var duplicated = same.TrimEnd()[..^1] + """, "offset_runs":[{"partition":0,"runs":[[0,1]]},{"partition":2,"runs":[[8,8]]}]}""";
        Assert.NotEqual(CompletionSignature.Valid, IngestionCompletion.TryParse(Encoding.UTF8.GetBytes(duplicated), out _) is { } parsed
            ? key.Check(parsed)
            : CompletionSignature.Wrong);
        var other = key.Sign(Record with { RunId = "run-2" });
        Assert.Equal(CompletionSignature.Wrong, key.Check(Record with { Mac = other.Mac }));
    }

    [Fact]
    public void A_record_without_mac_is_missing_one_and_one_signed_with_another_key_is_wrong()
    {
        var key = CompletionKey.From(Key);

        Assert.Equal(CompletionSignature.Missing, key.Check(Record));
        Assert.Equal(CompletionSignature.Wrong, key.Check(CompletionKey.From(Key + "-other").Sign(Record)));
        Assert.Equal(CompletionSignature.Wrong, key.Check(Record with { Mac = "not-hex" }));
    }

    [Fact]
    public void A_key_shorter_than_32_characters_is_a_configuration_error_and_no_key_is_none()
    {
        var error = Assert.Throws<CompletionKeyException>(() => CompletionKey.From(new string('k', 31)));

        Assert.Equal("Pipeline:CompletionKey has 31 characters; use at least 32 (the AppHost generates one: its parameter completion-key).", error.Message);
        Assert.NotNull(CompletionKey.From(new string('k', 32)));
        Assert.Null(CompletionKey.Read(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));
    }

    [Fact]
    public void With_a_key_the_verifier_keeps_the_valid_records_in_order_and_names_the_others_by_offset()
    {
        var key = CompletionKey.From(Key);
        var verifier = new CompletionVerifier(key);

        var records = verifier.Verify("raw_energy_completions",
        [
            (0, key.Sign(Record)),
            (1, Record with { RunId = "forged" }),
            (2, CompletionKey.From(Key + "-other").Sign(Record with { RunId = "other-key" })),
            (3, key.Sign(Record with { RunId = "run-3" })),
        ]);

        Assert.Equal(["run-1", "run-3"], records.Verified.Select(r => r.RunId));
        Assert.Equal(["run forged at offset 1 (no MAC)", "run other-key at offset 2 (wrong MAC)"], records.Unsigned!.Select(u => u.ToString()));
        Assert.Null(records.KeyMismatch);
    }

    [Fact]
    public void A_key_on_one_side_only_is_a_mismatch_seen_from_the_job()
    {
        var key = CompletionKey.From(Key);
        const string topic = "raw_energy_completions";

        var signedButNoKey = CompletionVerifier.Unkeyed.Verify(topic, [(0, Record), (1, key.Sign(Record with { RunId = "run-2" }))]);
        var keyButNoneSigned = new CompletionVerifier(key).Verify(topic, [(0, Record), (1, Record with { RunId = "run-2" })]);

        Assert.Equal("1 of the 2 completion records of raw_energy_completions are signed, but the job has no Pipeline:CompletionKey: " +
            "give it the ingestor's key (the AppHost passes its parameter completion-key to both).", signedButNoKey.KeyMismatch);
        Assert.Equal("None of the 2 completion records of raw_energy_completions is signed, but the job has Pipeline:CompletionKey: " +
            "the ingestor runs without it; give the ingestor the same key and ingest again.", keyButNoneSigned.KeyMismatch);
        Assert.Null(CompletionVerifier.Unkeyed.Verify(topic, [(0, Record)]).KeyMismatch);
        Assert.Null(CompletionVerifier.Unkeyed.Verify(topic, [(0, Record)]).Unsigned);
        Assert.Null(new CompletionVerifier(key).Verify(topic, []).KeyMismatch);
        Assert.Null(new CompletionVerifier(key).Verify(topic, [(0, Record), (1, key.Sign(Record with { RunId = "run-2" }))]).KeyMismatch);
    }

    private static IngestionCompletion Parse(string json) =>
        IngestionCompletion.TryParse(Encoding.UTF8.GetBytes(json), out var error) ?? throw new Xunit.Sdk.XunitException(error);
}
