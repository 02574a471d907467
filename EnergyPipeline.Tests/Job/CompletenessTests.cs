using System.Text.Json;
using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// An operator's probes against the mock Kafka cluster and PostgreSQL: each publishes wrong figures (or
/// hangs) without the completeness rules, and must fail with the reason and leave the old figures here.
/// </summary>
public sealed class CompletenessTests(PostgresServerFixture server) : IDisposable
{
    private const int Readings = 3_000;
    private readonly MockKafkaCluster _cluster = new();

    private static List<EnergyReading> File(int count = Readings) => SyntheticReadings.Generate(count).ToList();

    private LocalEngine Engine(JobDatabase db, Action<TopicSnapshot>? afterSnapshot = null, TimeSpan? stall = null) => db.LocalEngine(
        new LocalEngineOptions
        {
            BootstrapServers = _cluster.BootstrapServers,
            AfterSnapshotCaptured = afterSnapshot,
            ReadStallTimeout = stall ?? TimeSpan.FromSeconds(30),
        });

    private IngestionCompletion Ingest(IEnumerable<EnergyReading> readings, bool complete = true, string sha = "sha-of-file")
    {
        using var ingestion = new TestIngestion(_cluster.BootstrapServers, sourceSha256: sha);
        foreach (var reading in readings)
        {
            ingestion.Send(reading);
        }

        if (complete)
        {
            return ingestion.Complete();
        }

        ingestion.Flush();
        return new IngestionCompletion(ingestion.RunId, sha, ingestion.Sent, null, null, [], null, default);
    }

    [Fact]
    public async Task An_interrupted_ingestion_without_completion_record_fails_the_run_and_keeps_the_old_figures()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 3);
        var file = File();
        Ingest(file);
        await using var db = await JobDatabase.CreateAsync(server, "killedingest");
        await db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        var before = await db.QuarterRowsAsTextAsync();
        Assert.Equal(IndependentFigures.Of(file).Select(JobDatabase.ExpectedText), before);

        // The ingestor "killed" after 1,234 rows of a second run of a changed file: those copies are newest.
        var killed = Ingest(file.Take(1_234).Select(r => r with { SubMetering3 = 99m }), complete: false);

        var error = await Assert.ThrowsAsync<IncompleteDataException>(
            () => db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains($"ingestion {killed.RunId} has no completion record: 1,234 newest copies come from it", error.Message, StringComparison.Ordinal);
        Assert.Contains("run the ingestor again", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'failed' AND error LIKE '%has no completion record%'"));
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_staging"));
    }

    [Fact]
    public async Task Readings_from_another_producer_without_a_run_id_are_refused()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        Ingest(File(100));
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            var foreign = Complete(new DateTime(2011, 1, 1), 1.5m);
            producer.Produce(RawEnergyTopic.Name, new Message<byte[], byte[]> { Key = Key(foreign.Timestamp), Value = Value(foreign) });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        await using var db = await JobDatabase.CreateAsync(server, "foreign");
        var error = await Assert.ThrowsAsync<IncompleteDataException>(
            () => db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains($"1 newest copies carry no {RawEnergyTopic.RunIdHeader} header", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("no completion record was found at all", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_data"));
    }

    [Fact]
    public async Task A_topic_written_without_any_completion_record_says_so()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        var unfinished = Ingest(File(30), complete: false);
        await using var db = await JobDatabase.CreateAsync(server, "nocompletion");

        var error = await Assert.ThrowsAsync<IncompleteDataException>(
            () => db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains($"ingestion {unfinished.RunId} has no completion record: 30 newest copies", error.Message, StringComparison.Ordinal);
        Assert.Contains("no completion record was found at all: the control topic (the data topic's name + '_completions') is missing or empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_of_the_newest_completed_ingestion_deleted_before_the_run_fails_it()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 1);
        var completion = Ingest(File(200));
        // Over 5 MiB of later messages (invalid values, which need no completion) make the mock broker drop the oldest.
        OverflowPartition();

        await using var db = await JobDatabase.CreateAsync(server, "deleted");
        var error = await Assert.ThrowsAsync<IncompleteDataException>(
            () => db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains($"the newest completed ingestion {completion.RunId} sent 200 messages to partition 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("data was deleted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partition_truncated_during_the_read_fails_the_run_instead_of_ending_early()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 1);
        Ingest(File(200));
        await using var db = await JobDatabase.CreateAsync(server, "truncated");

        // Between the snapshot and the read, the partition loses the data below the captured end offset.
        var error = await Assert.ThrowsAsync<KafkaReadException>(() => db.Runner(Engine(db, afterSnapshot: _ => OverflowPartition()))
            .RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains($"Reading {RawEnergyTopic.Name} from {_cluster.BootstrapServers} failed at partition 0", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM quarterly_energy_data"));
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'failed'"));
    }

    [Fact]
    public async Task A_stalled_broker_fails_the_read_naming_the_broker_and_the_unread_partitions()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        Ingest(File(500));
        await using var db = await JobDatabase.CreateAsync(server, "stalled");
        try
        {
            var error = await Assert.ThrowsAsync<KafkaReadException>(() => db.Runner(Engine(db, _ => _cluster.SetBrokerDown(1), TimeSpan.FromSeconds(2)))
                .RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

            Assert.Contains($"Reading {RawEnergyTopic.Name} from {_cluster.BootstrapServers} made no progress for 2 s", error.Message, StringComparison.Ordinal);
            Assert.Contains("partitions still unread: 0 (at offset 0 of ", error.Message, StringComparison.Ordinal);
            Assert.Contains(", 1 (at offset 0 of ", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            _cluster.SetBrokerUp(1);
        }
    }

    [Fact]
    public async Task An_older_snapshot_never_publishes_over_a_newer_one_but_a_reset_topic_is_published()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 3);
        var file = File();
        Ingest(file);
        var corrected = file.Select(r => r.IsComplete ? r with { SubMetering1 = 7m } : r).ToList();
        await using var db = await JobDatabase.CreateAsync(server, "overlap");

        // Job A takes its snapshot; then a correction is ingested and job B publishes it; then A tries to publish.
        var runnerB = db.Runner(Engine(db));
        var jobA = db.Runner(Engine(db, afterSnapshot: _ =>
        {
            Ingest(corrected);
            runnerB.RunAsync(RawEnergyTopic.Name, CancellationToken.None).GetAwaiter().GetResult();
        }));
        var error = await Assert.ThrowsAsync<NewerSnapshotPublishedException>(() => jobA.RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains("newer snapshot of raw_energy", error.Message, StringComparison.Ordinal);
        var correctedTable = IndependentFigures.Of(corrected).Select(JobDatabase.ExpectedText).ToList();
        Assert.Equal(correctedTable, await db.QuarterRowsAsTextAsync());

        // A new cluster (an embedded broker restarted): fewer offsets, another incarnation of the topic. It publishes.
        using var fresh = new MockKafkaCluster();
        fresh.CreatePipelineTopics(RawEnergyTopic.Name, 3);
        var small = File(50);
        using (var ingestion = new TestIngestion(fresh.BootstrapServers))
        {
            small.ForEach(ingestion.Send);
            ingestion.Complete();
        }

        await db.Runner(db.LocalEngine(fresh.BootstrapServers)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        Assert.Equal(IndependentFigures.Of(small).Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
    }

    [Fact]
    public async Task The_run_log_keeps_invalid_counts_by_reason_a_sample_of_each_and_the_lineage()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        var file = File(400);
        // Three reasons: not a flat JSON object, a missing field, a tombstone.
        byte[]?[] values = ["not json"u8.ToArray(), "{}"u8.ToArray(), null];
        IngestionCompletion first, second;
        using (var ingestion = new TestIngestion(_cluster.BootstrapServers, sourceSha256: "aaaa"))
        {
            file.ForEach(ingestion.Send);
            // 28 invalid messages: 10, 9 and 9 of three kinds.
            for (var i = 0; i < 28; i++)
            {
                ingestion.Send(Key(file[i].Timestamp.AddYears(30)), values[i % 3]);
            }

            first = ingestion.Complete();
        }

        second = Ingest(file.Take(10), sha: "bbbb");
        await using var db = await JobDatabase.CreateAsync(server, "runlog");
        var summary = await db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Equal(28, summary.Invalid);
        await using var command = db.DataSource.CreateCommand("""
            SELECT invalid_by_reason::text, invalid_samples::text, ingestion_run_ids, source_sha256s, completed_ingestion_run_ids
            FROM pipeline_runs WHERE run_id = @run
            """);
        command.Parameters.AddWithValue("run", summary.RunId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        var byReason = JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(0))!;
        var samples = JsonSerializer.Deserialize<List<JsonElement>>(reader.GetString(1))!;
        Assert.Equal(28, byReason.Values.Sum());
        Assert.Equal(3, byReason.Count);
        Assert.Equal(byReason.Keys.Order(), samples.Select(s => s.GetProperty("reason").GetString()!).Distinct().Order());
        Assert.All(samples, s => Assert.True(s.GetProperty("offset").GetInt64() >= 0));
        Assert.Equal([first.RunId, second.RunId], reader.GetFieldValue<string[]>(2));
        Assert.Equal(["aaaa", "bbbb"], reader.GetFieldValue<string[]>(3));
        Assert.Equal([first.RunId, second.RunId], reader.GetFieldValue<string[]>(4));
    }

    /// <summary>Over 5 MiB of later (invalid) messages to partition 0: the mock broker drops the oldest data.</summary>
    private void OverflowPartition()
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 0 }).Build();
        var padding = new byte[200_000];
        for (var i = 0; i < 40; i++)
        {
            producer.Produce(new TopicPartition(RawEnergyTopic.Name, 0), new Message<byte[], byte[]> { Key = [1], Value = padding });
            producer.Flush(TimeSpan.FromSeconds(10));
        }
    }

    public void Dispose() => _cluster.Dispose();
}
