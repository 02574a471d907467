using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Confluent.Kafka;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Ingestor.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>The real producer code against librdkafka's mock cluster (real Kafka protocol on 127.0.0.1).</summary>
[Collection(IngestorActivityCollection.Name)]
public sealed class IngestionKafkaTests : IDisposable
{
    private const string Topic = "raw_energy";
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-ingest-").FullName;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;
    private readonly PostgresServerFixture _server;

    public IngestionKafkaTests(PostgresServerFixture server)
    {
        _server = server;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IngestionTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task Every_reading_of_a_generated_file_is_delivered_once_with_key_and_value_and_no_header()
    {
        const int rows = 30_000;
        var path = Path.Combine(_directory, "household.txt");
        SyntheticHouseholdFile.WriteFile(path, rows, seed: 5);
        var lines = File.ReadAllLines(path).ToList();
        // Two malformed lines in the middle: counted, never sent.
        lines.Insert(1_000, "16/12/2006;99:00:00;1.000;0.100;240.000;4.000;0.000;0.000;0.000");
        lines.Insert(20_000, "16/12/2006;17:24:00;1.000;0.100");
        File.WriteAllText(path, string.Join("\r\n", lines) + "\r\n");
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(Topic, 6);
        var options = new IngestorOptions { RowsPerBatchSpan = 5_000, MessageTimeoutMs = 30_000, MaxMalformedLines = 2 };

        IngestionResult result;
        using (var producer = new ProducerBuilder<byte[], byte[]>(IngestorProducerConfig.Create(cluster.BootstrapServers, options)).SetLogHandler((_, _) => { }).Build())
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            result = await new IngestionRunner(producer, admin, options, NullLogger<IngestionRunner>.Instance).RunAsync(path, TestContext.Current.CancellationToken);
        }

        Assert.Null(result.Error);
        Assert.False(result.TopicCreated);
        Assert.Equal(rows + 2, result.Parse.DataLines);
        Assert.Equal(2, result.Parse.Malformed);
        Assert.Equal(rows, result.Sent);
        Assert.Equal(expectedSha, result.SourceSha256);

        var messages = KafkaTopicReader.ReadAll(cluster.BootstrapServers, Topic, TimeSpan.FromSeconds(20));
        Assert.Equal(rows, messages.Count);

        // Expected messages computed from the file text independently of the ingestor's parser.
        var expected = lines.Skip(1).Select(l => l.Split(';')).Where(f => f.Length == 9 && !f[1].StartsWith("99", StringComparison.Ordinal))
            .ToDictionary(
                f => DateTime.ParseExact(f[0] + " " + f[1], "d/M/yyyy HH:mm:ss", CultureInfo.InvariantCulture).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                f => f[2..].Select(v => v is "?" or "" ? (decimal?)null : decimal.Parse(v, CultureInfo.InvariantCulture)).ToArray());
        Assert.Equal(rows, expected.Count);

        var run = Assert.Single(_stopped, a => a.OperationName == "ingest household power file");
        var keys = new HashSet<string>();
        foreach (var message in messages)
        {
            var key = Encoding.UTF8.GetString(message.Message.Key);
            Assert.True(keys.Add(key), $"key {key} delivered twice");
            Assert.True(expected.TryGetValue(key, out var values), $"unexpected key {key}");

            using var json = JsonDocument.Parse(message.Message.Value);
            Assert.Equal(key, json.RootElement.GetProperty("timestamp").GetString());
            string[] names = ["global_active_power", "global_reactive_power", "voltage", "global_intensity", "sub_metering_1", "sub_metering_2", "sub_metering_3"];
            for (var i = 0; i < names.Length; i++)
            {
                var element = json.RootElement.GetProperty(names[i]);
                Assert.Equal(values[i], element.ValueKind == JsonValueKind.Null ? null : element.GetDecimal());
            }

            // Run, file and trace are found through the completion record, not on the message.
            Assert.True(message.Message.Headers is null or { Count: 0 }, $"key {key} carries headers");
        }

        // Same minute, same partition: the key decides it. The producer leaves librdkafka's default partitioner,
        // consistent_random (librdkafka CONFIGURATION.md, "partitioner"): CRC-32 of the key bytes modulo the partitions.
        Assert.All(messages, m => Assert.Equal((int)(Crc32(m.Message.Key) % 6), m.Partition.Value));
        Assert.Equal(6, messages.Select(m => m.Partition.Value).Distinct().Count());

        var publishes = _stopped.Where(a => a.OperationName == $"publish {Topic}").ToList();
        Assert.Equal((rows + 4_999) / 5_000, publishes.Count);
        Assert.Equal(rows, publishes.Sum(a => (int)a.GetTagItem("messaging.batch.message_count")!));
        Assert.All(publishes, a =>
        {
            Assert.Equal(run.TraceId, a.TraceId);
            Assert.Equal(run.SpanId, a.ParentSpanId);
            Assert.Equal(ActivityKind.Producer, a.Kind);
            Assert.Equal("kafka", a.GetTagItem("messaging.system"));
            Assert.Equal(Topic, a.GetTagItem("messaging.destination.name"));
            Assert.Equal("publish", a.GetTagItem("messaging.operation"));
        });
        var read = Assert.Single(_stopped, a => a.OperationName == "read household power file");
        Assert.Equal(run.SpanId, read.ParentSpanId);

        // The completion record: written once every delivery was confirmed, its offset runs those of the messages read back.
        var control = Assert.Single(KafkaTopicReader.ReadAll(cluster.BootstrapServers, RawEnergyTopic.CompletionTopic(Topic), TimeSpan.FromSeconds(20)));
        Assert.Equal(result.RunId, Encoding.UTF8.GetString(control.Message.Key));
        var completion = IngestionCompletion.TryParse(control.Message.Value, out var error);
        Assert.True(completion is not null, error);
        Assert.Equal((result.RunId, expectedSha, (long)rows, run.Id), (completion.RunId, completion.SourceSha256, completion.RowsSent, completion.TraceParent));
        // The two lines skipped, within Ingestor:MaxMalformedLines, by reason.
        Assert.Equal(2, completion.MalformedLines);
        Assert.Equal([("bad_time", 1L), ("wrong_field_count", 1L)], completion.MalformedByReason!.Select(r => (r.Key, r.Value)).Order());
        Assert.Equal(expected.Keys.Min(StringComparer.Ordinal), RawEnergyTopic.FormatKey(completion.FirstReading!.Value));
        Assert.Equal(expected.Keys.Max(StringComparer.Ordinal), RawEnergyTopic.FormatKey(completion.LastReading!.Value));
        var runs = TestIngestion.OffsetRunsOf(messages.Select(m => (m.Partition.Value, m.Offset.Value)));
        Assert.Equal(runs.Select(p => (p.Partition, string.Join(",", p.Runs))), completion.OffsetRuns!.Select(p => (p.Partition, string.Join(",", p.Runs))));
        // Alone on the topic, the run wrote one run of offsets per partition.
        Assert.All(completion.OffsetRuns!, p => Assert.Single(p.Runs));
    }

    [Fact]
    public async Task Progress_is_the_share_of_the_files_bytes_read_and_ends_at_100_percent()
    {
        var path = Path.Combine(_directory, "household.txt");
        SyntheticHouseholdFile.WriteFile(path, 50_000, seed: 3);
        var length = new FileInfo(path).Length;
        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(Topic, 6);
        var options = new IngestorOptions { MessageTimeoutMs = 30_000 };
        var logger = new FakeLogger<IngestionRunner>();

        using (var producer = new ProducerBuilder<byte[], byte[]>(IngestorProducerConfig.Create(cluster.BootstrapServers, options)).SetLogHandler((_, _) => { }).Build())
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            var result = await new IngestionRunner(producer, admin, options, logger).RunAsync(path, TestContext.Current.CancellationToken);
            Assert.Null(result.Error);
        }

        // Test output is not a terminal: progress comes as log lines, the last one when every reading is acknowledged.
        var done = string.Create(CultureInfo.InvariantCulture, $"Sending household.txt to {Topic} done: {length:N0} of {length:N0} bytes (100.0 %)");
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.StartsWith(done, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_broker_that_goes_down_mid_run_fails_the_run_with_the_reason()
    {
        const int rows = 60_000;
        var path = Path.Combine(_directory, "household.txt");
        SyntheticHouseholdFile.WriteFile(path, rows, seed: 9);

        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(Topic, 6);
        var options = new IngestorOptions { RowsPerBatchSpan = 200, MessageTimeoutMs = 2_000 };

        // The first acknowledged batch takes the broker down, from the listener's (librdkafka's) thread.
        var down = 0;
        using var trigger = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IngestionTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                if (a.OperationName.StartsWith("publish", StringComparison.Ordinal) && Interlocked.Exchange(ref down, 1) == 0)
                {
                    cluster.SetBrokerDown(1);
                }
            },
        };
        ActivitySource.AddActivityListener(trigger);

        IngestionResult result;
        using (var producer = new ProducerBuilder<byte[], byte[]>(IngestorProducerConfig.Create(cluster.BootstrapServers, options)).SetLogHandler((_, _) => { }).Build())
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            result = await new IngestionRunner(producer, admin, options, NullLogger<IngestionRunner>.Instance).RunAsync(path, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, down);
        Assert.False(result.Succeeded);
        Assert.NotNull(result.Error);
        Assert.Contains("not delivered", result.Error, StringComparison.Ordinal);
        Assert.Contains("Local_MsgTimedOut", result.Error, StringComparison.Ordinal);
        Assert.True(result.Sent < rows, $"{result.Sent} sent");
        var run = Assert.Single(_stopped, a => a.OperationName == "ingest household power file");
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        cluster.SetBrokerUp(1);
    }

    [Fact]
    public async Task Existing_topic_is_found_and_an_absent_one_is_created_with_compaction_or_the_reason_given()
    {
        using var cluster = new MockKafkaCluster();
        cluster.CreateTopic("present", 3);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build();
        var provisioner = new TopicProvisioner(admin, NullLogger.Instance);

        Assert.False(await provisioner.EnsureAsync("present", 3, 1, TestContext.Current.CancellationToken));

        // The mock cluster refuses CreateTopics (Local_UnsupportedFeature): the create path is taken and its failure explained.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provisioner.EnsureAsync("absent", 6, 1, TestContext.Current.CancellationToken));
        Assert.Contains("absent does not exist and could not be created", error.Message, StringComparison.Ordinal);
        Assert.Contains("UnsupportedFeature", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(admin.GetMetadata(TimeSpan.FromSeconds(5)).Topics, t => t.Topic == "absent" && t.Error.Code == ErrorCode.NoError);

        var specification = TopicProvisioner.Specification("raw_energy", 6, 1);
        Assert.Equal(6, specification.NumPartitions);
        Assert.Equal("compact", specification.Configs["cleanup.policy"]);
    }

    [Fact]
    public async Task The_run_records_its_counts_and_a_latency_per_message_as_metrics()
    {
        const int rows = 6_000;
        var path = Path.Combine(_directory, "metrics.txt");
        SyntheticHouseholdFile.WriteFile(path, rows, seed: 12);
        await File.AppendAllTextAsync(path, "bad line\n", TestContext.Current.CancellationToken);
        var expectedMissing = rows * 25_979L / 2_075_259L;

        MetricCollector<long> Counter(string name) => new(meterScope: null, IngestionTelemetry.Name, name);
        using var read = Counter("energy.ingestor.rows_read");
        using var sent = Counter("energy.ingestor.rows_sent");
        using var malformed = Counter("energy.ingestor.rows_malformed");
        using var missing = Counter("energy.ingestor.rows_missing");
        using var bytes = Counter("energy.ingestor.bytes_read");
        using var latencies = new MetricCollector<double>(meterScope: null, IngestionTelemetry.Name, "energy.ingestor.produce_latency");

        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(Topic, 2);
        var options = new IngestorOptions { Partitions = 2, MaxMalformedLines = 1 };
        IngestionResult result;
        using (var producer = new ProducerBuilder<byte[], byte[]>(IngestorProducerConfig.Create(cluster.BootstrapServers, options)).SetLogHandler((_, _) => { }).Build())
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            result = await new IngestionRunner(producer, admin, options, NullLogger<IngestionRunner>.Instance).RunAsync(path, TestContext.Current.CancellationToken);
        }

        Assert.Null(result.Error);
        Assert.Equal(rows + 1, read.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(rows, sent.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, malformed.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(expectedMissing, missing.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(new FileInfo(path).Length, bytes.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(rows, latencies.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task A_foreign_message_produced_between_two_batches_of_a_run_is_left_out_of_its_offset_runs_and_of_the_figures()
    {
        const int rows = 20_000;
        var path = Path.Combine(_directory, "household.txt");
        SyntheticHouseholdFile.WriteFile(path, rows, seed: 21);
        var readings = ReferenceHouseholdFile.Readings(path).ToList();
        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(Topic, 6);
        var options = new IngestorOptions { RowsPerBatchSpan = 200, MessageTimeoutMs = 30_000 };
        // A small local queue makes the run wait for acknowledgements every 500 messages: its first batch is
        // acknowledged while most of the file is still to be sent.
        var throttled = new Dictionary<string, string> { ["queue.buffering.max.messages"] = "500", ["linger.ms"] = "5" };

        // When the first batch is acknowledged, another producer writes a newer copy of the file's first minute, with other values.
        var foreign = Job.JobTestData.Complete(readings[0].Timestamp, 9.999m);
        DeliveryResult<byte[], byte[]>? foreignDelivery = null;
        using var foreignProducer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        using var trigger = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IngestionTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                if (a.OperationName == $"publish {Topic}" && foreignDelivery is null)
                {
                    foreignDelivery = foreignProducer.ProduceAsync(Topic, new Message<byte[], byte[]>
                    {
                        Key = Job.JobTestData.Key(foreign.Timestamp),
                        Value = Job.JobTestData.Value(foreign),
                    }).GetAwaiter().GetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(trigger);

        IngestionResult result;
        using (var producer = new ProducerBuilder<byte[], byte[]>(IngestorProducerConfig.Create(cluster.BootstrapServers, options, throttled)).SetLogHandler((_, _) => { }).Build())
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            result = await new IngestionRunner(producer, admin, options, NullLogger<IngestionRunner>.Instance).RunAsync(path, TestContext.Current.CancellationToken);
        }

        Assert.Null(result.Error);
        Assert.NotNull(foreignDelivery);
        var at = (foreignDelivery.Partition.Value, foreignDelivery.Offset.Value);
        var messages = KafkaTopicReader.ReadAll(cluster.BootstrapServers, Topic, TimeSpan.FromSeconds(20));
        Assert.Equal(rows + 1, messages.Count);
        Assert.Contains(messages, m => m.Partition.Value == at.Item1 && m.Offset.Value > at.Item2);

        // The run's offset runs are exactly its own messages' offsets: the foreign offset splits its partition's run.
        var completion = IngestionCompletion.TryParse(
            Assert.Single(KafkaTopicReader.ReadAll(cluster.BootstrapServers, RawEnergyTopic.CompletionTopic(Topic), TimeSpan.FromSeconds(20))).Message.Value, out var error);
        Assert.True(completion is not null, error);
        var own = TestIngestion.OffsetRunsOf(messages.Select(m => (m.Partition.Value, m.Offset.Value)).Where(o => o != at));
        Assert.Equal(own.Select(p => (p.Partition, string.Join(",", p.Runs))), completion.OffsetRuns!.Select(p => (p.Partition, string.Join(",", p.Runs))));
        Assert.DoesNotContain(completion.OffsetRuns!, p => p.Partition == at.Item1 && p.Runs.Any(r => r.First <= at.Item2 && at.Item2 <= r.Last));
        Assert.Equal(2, completion.OffsetRuns!.Single(p => p.Partition == at.Item1).Runs.Count);

        // The job leaves it out: the figures are the file's, the newer foreign copy is counted unattributed.
        await using var db = await Job.JobDatabase.CreateAsync(_server, "foreignbetween");
        var engine = new SparkJob.Local.LocalEngine(new SparkJob.Local.LocalEngineOptions { BootstrapServers = cluster.BootstrapServers },
            TestKafkaClients.SnapshotConsumers(cluster.BootstrapServers), db.Store, NullLogger<SparkJob.Local.LocalEngine>.Instance);
        var summary = await db.Runner(engine).RunAsync(Topic, TestContext.Current.CancellationToken);

        Assert.Equal((1L, (long)rows, 0L), (summary.Unattributed, summary.ReadingsRead, summary.DuplicatesDropped));
        Assert.Equal(Job.IndependentFigures.Of(readings).Select(Job.JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected, as zlib's crc32), bit by bit.</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>Tests that listen to the ingestor's ActivitySource run one at a time so they see only their own spans.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IngestorActivityCollection
{
    public const string Name = "Ingestor activities";
}
