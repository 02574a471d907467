using System.Diagnostics;
using System.Globalization;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>
/// A file that changes while the ingestor reads it never becomes figures: the ingestor's command line reads a file
/// while the test grows, truncates, replaces or writes to it; the run exits 1 with one line naming the file and what
/// changed, writes no completion record, and the job publishes the previous figures. The summary's SHA-256 is that of
/// the bytes the run parsed, computed here apart.
/// </summary>
/// <remarks>
/// The change lands mid-read by construction, not by timing: when the first batch of the second ingestion is
/// acknowledged, the broker goes down, so the reader fills the producer's small local queue (500 messages) and waits
/// in it; the test changes the file, then brings the broker back and the reader goes on.
/// </remarks>
[Collection(IngestorActivityCollection.Name)]
public sealed class ChangingFileTests(PostgresServerFixture server) : IDisposable
{
    private const int Rows = 20_000;
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-changing-").FullName;
    private readonly MockKafkaCluster _cluster = new();

    public static TheoryData<string> Changes => ["grows", "truncated", "replaced", "written to"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_file_that_changes_while_read_fails_the_ingestion_and_the_job_publishes_the_previous_figures(string change)
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 6);
        var previous = Path.Combine(_directory, "previous.txt");
        SyntheticHouseholdFile.WriteFile(previous, Rows, seed: 3);
        Assert.Equal(0, (await IngestAsync(previous)).Code);
        await using var db = await JobDatabase.CreateAsync(server, "changing");
        await db.Runner(db.LocalEngine(_cluster.BootstrapServers)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        var expected = IndependentFigures.Of(ReferenceHouseholdFile.Readings(previous)).Select(JobDatabase.ExpectedText).ToList();
        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());

        var path = Path.Combine(_directory, "household.txt");
        SyntheticHouseholdFile.WriteFile(path, Rows, seed: 4);
        var original = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
        var midRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var brokerDown = BrokerDownAtFirstAcknowledgedBatch(midRead);
        var ingestion = IngestAsync(path);
        await midRead.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        var (what, seen) = Change(change, path, original);
        _cluster.SetBrokerUp(1);
        var (code, output, errors) = await ingestion;

        Assert.Equal(1, code);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: the file {path} changed while it was read: it {what}", line, StringComparison.Ordinal);
        var summary = IngestorCli.LastLineJson(output);
        Assert.Equal("failed", summary.GetProperty("status").GetString());
        var parsed = summary.GetProperty("bytes").GetInt64();
        Assert.Equal(IndependentSha256.Of(seen.AsSpan(0, (int)parsed)), summary.GetProperty("source_sha256").GetString());

        // Only the first ingestion's completion record: the job publishes its figures again and ignores the rest.
        Assert.Single(KafkaTopicReader.ReadAll(_cluster.BootstrapServers, RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), TimeSpan.FromSeconds(20)));
        var job = await db.Runner(db.LocalEngine(_cluster.BootstrapServers)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        Assert.Equal((long)Rows, job.ReadingsRead);
        Assert.True(job.Unattributed > 0, "the changed file's messages were attributed");
        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());
    }

    [Fact]
    public async Task The_summarys_hash_is_the_sha256_of_the_bytes_parsed_when_the_file_stays_as_it_is()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 6);
        var path = Path.Combine(_directory, "steady.txt");
        SyntheticHouseholdFile.WriteFile(path, Rows, seed: 5);

        var (code, output, errors) = await IngestAsync(path);

        Assert.True(code == 0, errors);
        var summary = IngestorCli.LastLineJson(output);
        Assert.Equal(new FileInfo(path).Length, summary.GetProperty("bytes").GetInt64());
        Assert.Equal(IndependentSha256.OfFile(path), summary.GetProperty("source_sha256").GetString());
    }

    /// <summary>Changes the file as named; returns what the error must say and the bytes the reader sees from its open handle.</summary>
    private static (string What, byte[] Seen) Change(string change, string path, byte[] original)
    {
        switch (change)
        {
            case "grows":
                var more = System.Text.Encoding.ASCII.GetBytes("1/1/2011;00:00:00;1.000;0.100;240.000;4.000;0.000;0.000;0.000\n");
                using (var append = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
                {
                    append.Write(more);
                }

                return (string.Create(CultureInfo.InvariantCulture, $"grew from {original.Length:N0} to {original.Length + more.Length:N0} bytes"), [.. original, .. more]);
            case "truncated":
                using (var cut = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                {
                    cut.SetLength(original.Length / 2);
                }

                return (string.Create(CultureInfo.InvariantCulture, $"was truncated from {original.Length:N0} to {original.Length / 2:N0} bytes"), original);
            case "replaced":
                // A copy finishing under the same name: a new file renamed over the one being read, which the reader keeps.
                var replacement = path + ".new";
                File.WriteAllBytes(replacement, original);
                File.Move(replacement, path, overwrite: true);
                return ("was replaced by another file", original);
            default:
                // Same bytes, same length, a new modification time: written to in place.
                File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddMinutes(1));
                return ("was written to", original);
        }
    }

    /// <summary>At the first acknowledged batch of the next ingestion, the broker goes down and <paramref name="midRead"/> is set.</summary>
    private ActivityListener BrokerDownAtFirstAcknowledgedBatch(TaskCompletionSource midRead)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IngestionTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == $"publish {RawEnergyTopic.Name}" && !midRead.Task.IsCompleted)
                {
                    _cluster.SetBrokerDown(1);
                    midRead.TrySetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private Task<(int Code, string Output, string Errors)> IngestAsync(string path) => Task.Run(() => IngestorCli.RunAsync(
        "ingest", "--file", path, $"--ConnectionStrings:kafka={_cluster.BootstrapServers}",
        "--Ingestor:RowsPerBatchSpan=200", "--Ingestor:MessageTimeoutMs=120000",
        "--Aspire:Confluent:Kafka:Producer:Config:queue.buffering.max.messages=500"));

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
