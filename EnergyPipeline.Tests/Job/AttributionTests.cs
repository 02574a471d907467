using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Ingestor;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Testing;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Figures come only from whole, known ingestions: a message counts when a completion record's offset runs hold it,
/// and, when both services have the completion key, only a record that verifies (docs/contract.md, *Signed completion
/// records*). The real ingestor (in-process, and as a child process that is frozen or killed mid-stream), the job's
/// command line, the mock cluster and PostgreSQL; every table is checked against the figures computed from the input
/// files.
/// </summary>
[Collection(IngestorActivityCollection.Name)]
public sealed class AttributionTests(PostgresServerFixture server) : IDisposable
{
    private const int Rows = 20_000;
    private const int Partitions = 3;
    private const int Forged = 10;
    private const string Key = "the-pipeline-s-completion-key-0123456789";
    private const string OtherKey = "another-completion-key-of-40-characters!";
    private readonly MockKafkaCluster _cluster = PipelineCluster();
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-attribution-").FullName;

    [Fact]
    public async Task Two_ingestions_that_ran_at_the_same_time_are_refused_until_one_file_is_ingested_again_on_its_own()
    {
        var (a, b, c) = (File("a.txt", seed: 1), File("b.txt", seed: 2), File("c.txt", seed: 3));
        await IngestAsync(a);
        var database = await server.CreateDatabaseAsync("interleaved");
        Assert.Equal(0, (await RunJobAsync(database)).Code);
        await using var db = JobDatabase.Open(database);
        var before = await db.QuarterRowsAsTextAsync();
        Assert.Equal(ExpectedTable(a), before);

        // b streams into the topic and is frozen mid-stream; c is ingested whole; then b goes on to its end.
        string bRun;
        using (var ingestion = StartThrottledIngestor(b))
        {
            await WaitForMessagesAsync(Rows + 2_000, ingestion);
            ingestion.Pause();
            Assert.Single(Completions());
            var cRun = await IngestAsync(c);
            ingestion.Resume();
            var finished = await ingestion.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(finished.ExitCode == 0, finished.Errors);
            bRun = IngestorCli.LastLineJson(finished.Output).GetProperty("run_id").GetString()!;

            var (code, summary) = await RunJobAsync(database);

            Assert.Equal(JobProgram.ExitFailed, code);
            var error = summary.GetProperty("error").GetString()!;
            Assert.Contains($"ingestions {cRun} and {bRun} ran at the same time (their messages interleave in partition ", error, StringComparison.Ordinal);
            Assert.Contains("and both supply readings: ingest one file again on its own, then run the job", error, StringComparison.Ordinal);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(error, "ran at the same time"));
            Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        }

        await IngestAsync(b);
        var (again, published) = await RunJobAsync(database);

        Assert.Equal(0, again);
        Assert.Equal(ExpectedTable(a, b), await db.QuarterRowsAsTextAsync());
        Assert.Equal(0, published.GetProperty("unattributed").GetInt64());
        Assert.Equal(4 * Rows, published.GetProperty("readings_read").GetInt64());
    }

    [Fact]
    public async Task An_ingestion_killed_mid_stream_leaves_the_previous_figures_and_counts_its_messages_unattributed()
    {
        var (a, b) = (File("a.txt", seed: 4), File("b.txt", seed: 5));
        await IngestAsync(a);
        using (var ingestion = StartThrottledIngestor(b))
        {
            await WaitForMessagesAsync(Rows + 2_000, ingestion);
            ingestion.Kill();
        }

        Assert.Single(Completions());
        var held = MessagesInTopic();
        Assert.InRange(held, Rows + 2_000, 2 * Rows - 1);
        var database = await server.CreateDatabaseAsync("killed");

        var (code, summary) = await RunJobAsync(database);

        Assert.Equal(0, code);
        await using var db = JobDatabase.Open(database);
        Assert.Equal(ExpectedTable(a), await db.QuarterRowsAsTextAsync());
        Assert.Equal((held - Rows, (long)Rows), (summary.GetProperty("unattributed").GetInt64(), summary.GetProperty("readings_read").GetInt64()));
        Assert.Equal(held - Rows, await db.ScalarAsync("SELECT unattributed_count FROM pipeline_runs WHERE status = 'succeeded'"));
    }

    [Fact]
    public async Task A_job_while_an_ingestion_runs_publishes_the_last_complete_state_and_the_next_job_the_finished_one()
    {
        var (a, b) = (File("a.txt", seed: 6), File("b.txt", seed: 7));
        await IngestAsync(a);
        var database = await server.CreateDatabaseAsync("running");
        await using var db = JobDatabase.Open(database);
        using (var ingestion = StartThrottledIngestor(b))
        {
            await WaitForMessagesAsync(Rows + 2_000, ingestion);
            ingestion.Pause();
            var held = MessagesInTopic();

            var (code, summary) = await RunJobAsync(database);

            Assert.Equal(0, code);
            Assert.Equal(ExpectedTable(a), await db.QuarterRowsAsTextAsync());
            Assert.Equal(held - Rows, summary.GetProperty("unattributed").GetInt64());
            ingestion.Resume();
            Assert.Equal(0, (await ingestion.WaitAsync(TimeSpan.FromMinutes(2))).ExitCode);
        }

        var (next, finished) = await RunJobAsync(database);

        Assert.Equal(0, next);
        Assert.Equal(ExpectedTable(a, b), await db.QuarterRowsAsTextAsync());
        Assert.Equal(0, finished.GetProperty("unattributed").GetInt64());
    }

    [Fact]
    public async Task Hand_produced_messages_in_and_outside_the_data_s_minutes_count_unattributed_and_change_nothing()
    {
        var a = File("a.txt", seed: 8);
        await IngestAsync(a);
        var inside = ReferenceHouseholdFile.Readings(a).Skip(100).First().Timestamp;
        (byte[]? Key, byte[]? Value)[] foreign =
        [
            // Valid readings: two newer copies of a minute of the file, minutes outside it.
            (Key(inside), Value(Complete(inside, 9.999m))),
            (Key(inside), Value(Complete(inside, 0.001m))),
            (Key(new DateTime(2099, 1, 1)), Value(Complete(new DateTime(2099, 1, 1), 1m))),
            (Key(new DateTime(1, 1, 1)), Value(Complete(new DateTime(1, 1, 1), 1m))),
            // Invalid ones, tombstones (inside and outside) and a message without a key.
            (Key(inside.AddMinutes(1)), "{\"timestamp\":null}"u8.ToArray()),
            (Key(inside.AddMinutes(2)), null),
            (Key(new DateTime(2099, 1, 1)), null),
            (null, Value(Complete(inside, 1m))),
        ];
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            foreach (var (key, value) in foreign)
            {
                producer.Produce(RawEnergyTopic.Name, new Message<byte[]?, byte[]?> { Key = key, Value = value });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(20)));
        }

        var database = await server.CreateDatabaseAsync("handmade");
        var (code, summary) = await RunJobAsync(database);

        Assert.Equal(0, code);
        await using var db = JobDatabase.Open(database);
        Assert.Equal(ExpectedTable(a), await db.QuarterRowsAsTextAsync());
        Assert.Equal(
            (foreign.Length, Rows, 0, 0),
            (summary.GetProperty("unattributed").GetInt32(), summary.GetProperty("readings_read").GetInt32(),
                summary.GetProperty("invalid").GetInt32(), summary.GetProperty("duplicates_dropped").GetInt32()));
    }

    [Fact]
    public async Task Messages_on_the_control_topic_that_are_no_completion_record_attribute_nothing_and_are_named_in_one_warning()
    {
        var file = File("a.txt", seed: 13);
        await IngestAsync(file);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            // After the ingestor's record (offset 0): bytes that are no JSON, an empty value, JSON of another shape.
            foreach (var value in new[] { "\u0000\u00ff not json"u8.ToArray(), null, "{\"run_id\":42}"u8.ToArray() })
            {
                producer.Produce(RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), new Message<byte[]?, byte[]?> { Value = value });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(20)));
        }

        var database = await server.CreateDatabaseAsync("unreadable");
        await using var db = JobDatabase.Open(database);
        var logger = new FakeLogger<JobRunner>();
        var engine = db.LocalEngine(new LocalEngineOptions { BootstrapServers = _cluster.BootstrapServers });
        var outcome = await new JobRunner(db.Migrator, db.Store, engine, logger).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Equal((Rows, 0L), (outcome.ReadingsRead, outcome.Unattributed));
        Assert.Equal(ExpectedTable(file), await db.QuarterRowsAsTextAsync());
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Message.Contains("no completion record", StringComparison.Ordinal)).Message;
        Assert.Equal(
            $"3 messages on {RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name)} are no completion record and attribute nothing " +
            "(empty, or not a record the ingestor writes): offsets 1, 2, 3", warning);
    }

    [Fact]
    public async Task Readings_that_an_unsigned_a_wrongly_signed_or_a_changed_record_names_attribute_nothing_are_counted_and_change_no_figure()
    {
        var file = File("a.txt", seed: 21);
        var ingestion = await IngestAsync(file, $"--{CompletionKey.Setting}={Key}");
        var database = await server.CreateDatabaseAsync("signed");
        Assert.Equal(0, (await RunJobAsync(database, Key)).Code);
        await using var db = JobDatabase.Open(database);
        var expected = ExpectedTable(file);
        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());

        // Newer copies of the file's minutes with other values, that would change every figure they reach.
        var minutes = ReferenceHouseholdFile.Readings(file).Select(r => r.Timestamp).Take(3 * Forged).ToList();
        var signed = CompletionRecords().Single();
        var unsigned = Forge(minutes[..Forged], finish: null);
        var otherKey = Forge(minutes[Forged..(2 * Forged)], CompletionKey.From(OtherKey).Sign);
        // The ingestor's record as it was signed, its offsets moved onto forged readings: the MAC no longer fits.
        Forge(minutes[(2 * Forged)..], forged => signed with { OffsetRuns = forged.OffsetRuns, RowsSent = forged.RowsSent });

        var (code, summary) = await RunJobAsync(database, Key);

        Assert.Equal(0, code);
        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());
        Assert.Equal((3, 3 * Forged, Rows),
            (summary.GetProperty("unsigned_completions").GetInt32(), summary.GetProperty("unattributed").GetInt32(), summary.GetProperty("readings_read").GetInt32()));
        Assert.Equal(3, await db.ScalarAsync("SELECT unsigned_completions FROM pipeline_runs WHERE run_id = $1", summary.GetProperty("run_id").GetGuid()));

        // The log names each refused record once, in one warning.
        var logger = new FakeLogger<JobRunner>();
        var engine = db.LocalEngine(new LocalEngineOptions { BootstrapServers = _cluster.BootstrapServers, Verifier = new CompletionVerifier(CompletionKey.From(Key)) });
        await new JobRunner(db.Migrator, db.Store, engine, logger).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Message.Contains("completion records have no valid MAC", StringComparison.Ordinal)).Message;
        Assert.StartsWith("3 completion records", warning, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(warning, Regex.Escape($"run {unsigned} at offset 1 (no MAC)")));
        Assert.Single(Regex.Matches(warning, Regex.Escape($"run {otherKey} at offset 2 (wrong MAC)")));
        Assert.Single(Regex.Matches(warning, Regex.Escape($"run {ingestion} at offset 3 (wrong MAC)")));
    }

    [Fact]
    public async Task The_ingestor_signs_its_record_with_its_key_and_without_one_writes_it_unsigned_saying_so_in_one_warning()
    {
        var file = File("b.txt", seed: 22);
        await IngestAsync(file, $"--{CompletionKey.Setting}={Key}");

        var unkeyed = await ChildProcess.RunProjectAsync("EnergyPipeline.Ingestor", TimeSpan.FromMinutes(2), ["ingest", "--file", file, .. IngestorSettings()]);

        Assert.True(unkeyed.ExitCode == 0, unkeyed.Errors);
        var records = CompletionRecords();
        Assert.Equal(2, records.Count);
        Assert.Equal(CompletionSignature.Valid, CompletionKey.From(Key).Check(records[0]));
        Assert.Equal(CompletionSignature.Wrong, CompletionKey.From(OtherKey).Check(records[0]));
        Assert.Null(records[1].Mac);
        Assert.Single((unkeyed.Output + unkeyed.Errors).Split('\n'), l => l.Contains("Pipeline:CompletionKey is not set", StringComparison.Ordinal));
    }

    /// <summary>
    /// Forged readings of <paramref name="minutes"/> (valid, other values than the file's) and a completion record
    /// naming their offsets, unsigned or as <paramref name="finish"/> makes it; returns the record's run id.
    /// </summary>
    private string Forge(IEnumerable<DateTime> minutes, Func<IngestionCompletion, IngestionCompletion>? finish)
    {
        using var forged = new TestIngestion(_cluster.BootstrapServers);
        foreach (var minute in minutes)
        {
            forged.Send(Complete(minute, 9.999m, s1: 1m));
        }

        return forged.Complete(finish).RunId;
    }

    /// <summary>The topic (3 partitions) and its control topic, created as the ingestor expects them.</summary>
    private static MockKafkaCluster PipelineCluster()
    {
        var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(RawEnergyTopic.Name, Partitions);
        return cluster;
    }

    /// <summary>A generated file of <see cref="Rows"/> rows: the same minutes for every seed, other values.</summary>
    private string File(string name, ulong seed)
    {
        var path = Path.Combine(_directory, name);
        SyntheticHouseholdFile.WriteFile(path, Rows, seed);
        return path;
    }

    /// <summary>
    /// The table the files give when ingested one after the other, each on its own: per minute the reading of the
    /// last file that has it, computed from the files' text.
    /// </summary>
    private static List<string> ExpectedTable(params string[] files) =>
        IndependentFigures.Of(files.SelectMany(ReferenceHouseholdFile.Readings).GroupBy(r => r.Timestamp).Select(g => g.Last()))
            .Select(JobDatabase.ExpectedText).ToList();

    /// <summary>The ingestor's command line, in-process, to its end, with any further settings; returns the run id.</summary>
    private async Task<string> IngestAsync(string file, params string[] settings)
    {
        var (code, output, errors) = await IngestorCli.RunAsync(["ingest", "--file", file, .. IngestorSettings(), .. settings]);
        Assert.True(code == 0, errors);
        return IngestorCli.LastLineJson(output).GetProperty("run_id").GetString()!;
    }

    /// <summary>
    /// The ingestor as a child process, slowed down so that it is still streaming when the test freezes or kills it: a
    /// small local queue makes it wait for acknowledgements every 100 messages, and the broker answers after 20 ms
    /// (about 5,000 messages a second) until <see cref="WaitForMessagesAsync"/> has seen its first messages.
    /// </summary>
    private ChildProcess.Running StartThrottledIngestor(string file)
    {
        _cluster.SetRoundTripTime(TimeSpan.FromMilliseconds(20));
        return ChildProcess.StartProject("EnergyPipeline.Ingestor",
            ["ingest", "--file", file, .. IngestorSettings(), "--Aspire:Confluent:Kafka:Producer:Config:queue.buffering.max.messages=100"]);
    }

    private string[] IngestorSettings() =>
        [$"--ConnectionStrings:kafka={_cluster.BootstrapServers}", $"--Ingestor:Partitions={Partitions}", "--Logging:LogLevel:Default=Warning"];

    /// <summary>The job's command line, in-process, with the completion key when given: exit code and summary line.</summary>
    private async Task<(int Code, JsonElement Summary)> RunJobAsync(string database, string? completionKey = null)
    {
        using var output = new StringWriter();
        var code = await JobProgram.RunAsync(["--engine", "local"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _cluster.BootstrapServers,
            ["ConnectionStrings:energy_db"] = database,
            [CompletionKey.Setting] = completionKey,
            ["Logging:LogLevel:Default"] = "Warning",
        }), output);
        return (code, IngestorCli.LastLineJson(output.ToString()));
    }

    /// <summary>
    /// Waits until the topic holds at least <paramref name="messages"/> while the throttled ingestion still streams,
    /// then lets the broker answer at full speed again.
    /// </summary>
    private async Task WaitForMessagesAsync(long messages, ChildProcess.Running ingestion)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (MessagesInTopic() < messages)
        {
            Assert.False(ingestion.HasExited, "the ingestor ended before the topic held the messages to wait for");
            Assert.True(DateTime.UtcNow < deadline, $"the topic did not reach {messages} messages within a minute");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Single(Completions());
        _cluster.SetRoundTripTime(TimeSpan.Zero);
    }

    /// <summary>The messages the topic holds: the sum of its partitions' high watermarks (nothing is deleted here).</summary>
    private long MessagesInTopic()
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "watermarks" })
            .SetLogHandler((_, _) => { }).Build();
        return Enumerable.Range(0, Partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(RawEnergyTopic.Name, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    private List<ConsumeResult<byte[], byte[]>> Completions() =>
        KafkaTopicReader.ReadAll(_cluster.BootstrapServers, RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), TimeSpan.FromSeconds(20));

    private List<IngestionCompletion> CompletionRecords() =>
        Completions().Select(m => IngestionCompletion.TryParse(m.Message.Value, out var error) ?? throw new Xunit.Sdk.XunitException(error)).ToList();

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
