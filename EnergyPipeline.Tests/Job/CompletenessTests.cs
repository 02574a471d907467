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
/// Operator's probes against the mock Kafka cluster and PostgreSQL: each publishes wrong figures (or hangs) without
/// the completeness rules, and must fail with the reason and leave the old figures here. (Messages of no completed
/// ingestion, which never block: <see cref="AttributionTests"/>.)
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

    /// <summary>Sends the readings as one ingestion; with <paramref name="complete"/> its completion record too.</summary>
    private string Ingest(IEnumerable<EnergyReading> readings, bool complete = true, string sha = "sha-of-file")
    {
        using var ingestion = new TestIngestion(_cluster.BootstrapServers, sourceSha256: sha);
        foreach (var reading in readings)
        {
            ingestion.Send(reading);
        }

        if (complete)
        {
            ingestion.Complete();
        }
        else
        {
            ingestion.Flush();
        }

        return ingestion.RunId;
    }

    [Fact]
    public async Task A_topic_written_without_any_completion_record_says_so()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        Ingest(File(30), complete: false);
        await using var db = await JobDatabase.CreateAsync(server, "nocompletion");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains("holds no valid reading of a completed ingestion (0 readings read, 0 invalid, 30 messages unattributed): no completion record " +
            "was found (the control topic raw_energy_completions is missing or empty)", error.Message, StringComparison.Ordinal);
        Assert.Equal(30, await db.ScalarAsync("SELECT unattributed_count FROM pipeline_runs WHERE status = 'failed'"));
    }

    [Fact]
    public async Task Data_of_a_completed_ingestion_deleted_before_the_run_fails_it()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 1);
        var completed = Ingest(File(200));
        // Over 5 MiB of later messages (of no ingestion: they replace nothing) make the mock broker drop the oldest.
        OverflowPartition();

        await using var db = await JobDatabase.CreateAsync(server, "deleted");
        var error = await Assert.ThrowsAsync<IncompleteDataException>(
            () => db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken));

        Assert.Contains($"ingestion {completed} sent 200 messages to partition 0 (offsets 0-199); the topic holds 0 of them", error.Message, StringComparison.Ordinal);
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
        IngestionCompletion first;
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

        var second = Ingest(file.Take(10), sha: "bbbb");
        // A third ingestion supplies nothing (the second's copies of its minute are newer), and a message of no ingestion.
        var third = Ingest(file.Skip(5).Take(1), sha: "cccc");
        var superseding = Ingest(file.Skip(5).Take(1), sha: "bbbb");
        ProduceForeign(Complete(new DateTime(2011, 1, 1), 1.5m));
        await using var db = await JobDatabase.CreateAsync(server, "runlog");
        var summary = await db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Equal((28L, 1L), (summary.Invalid, summary.Unattributed));
        await using var command = db.DataSource.CreateCommand("""
            SELECT invalid_by_reason::text, invalid_samples::text, ingestion_run_ids, source_sha256s, completed_ingestion_run_ids, unattributed_count
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
        // Lineage names the ingestions the figures come from; the snapshot's completion records are all listed apart.
        Assert.Equal([first.RunId, second, superseding], reader.GetFieldValue<string[]>(2));
        Assert.Equal(["aaaa", "bbbb"], reader.GetFieldValue<string[]>(3));
        Assert.Equal([first.RunId, second, third, superseding], reader.GetFieldValue<string[]>(4));
        Assert.Equal(1, reader.GetInt64(5));
    }

    /// <summary>One message by another producer than an ingestion: no completion record covers it.</summary>
    private void ProduceForeign(EnergyReading reading)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        producer.Produce(RawEnergyTopic.Name, new Message<byte[], byte[]> { Key = Key(reading.Timestamp), Value = Value(reading) });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Over 5 MiB of later messages of no ingestion to partition 0: the mock broker drops the oldest data.</summary>
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
