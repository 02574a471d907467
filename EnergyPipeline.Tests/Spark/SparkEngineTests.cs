using System.Diagnostics;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.SparkConnect.Protocol;
using EnergyPipeline.SparkJob.Telemetry;
using EnergyPipeline.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using static EnergyPipeline.Tests.Spark.FakeSparkConnectServer.ScriptedService;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// The engine's orchestration against the in-process Spark Connect server: which statements it sends, in which
/// order, in one session, and how it reads the answers. Spark's own evaluation of the SQL is the full-stack test's.
/// </summary>
public sealed class SparkEngineTests(PostgresServerFixture postgres)
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string IngestionRunId = "0190f1a2-0000-7000-8000-000000000001";

    /// <summary>
    /// Two partitions captured at start and one completed ingestion that wrote to both: offsets 0-99 of partition 0,
    /// and 5-30 and 36-59 of partition 1 (another producer wrote 31-35 and 60).
    /// </summary>
    private static readonly TopicSnapshot Snapshot = new("raw_energy",
        [new PartitionRead(0, 0, 100, 0), new PartitionRead(1, 5, 61, 0)],
        [new IngestionCompletion(IngestionRunId, "sha", 150, null, null,
            [new PartitionOffsetRuns(0, [new OffsetRun(0, 99)]), new PartitionOffsetRuns(1, [new OffsetRun(5, 30), new OffsetRun(36, 59)])],
            TraceParent, DateTimeOffset.UnixEpoch)]);

    [Fact]
    public async Task A_run_sends_the_plan_in_order_in_one_session_and_reports_what_spark_counted()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = AnswerLikeSpark(failing: null);
        var runId = Guid.NewGuid();
        var options = Options(server);
        var inputs = SparkPlanInputs.From(options);
        var linked = new List<ActivityLink>();
        using var listener = ListenForRun(runId, linked);

        var result = await new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance).RunAsync(options, runId, Snapshot, TestContext.Current.CancellationToken);

        var requests = server.Service.ExecuteRequests.ToArray();
        Assert.All(requests, r => Assert.Equal(runId.ToString(), r.SessionId));
        string[] expected =
        [
            SparkPlan.RedactCredentials.Text, SparkPlan.UseUtc.Text, SparkPlan.UseTimestampWithoutTimeZone.Text,
            SparkPlan.UseCorrectedTimeParser.Text, SparkPlan.DisableAnsi.Text, SparkPlan.UnescapeStringLiterals.Text, SparkPlan.CreateKafkaSource(inputs, Snapshot, options.ReadStallTimeout).Text,
            SparkPlan.CacheRecords.Text, SparkPlan.CreateIngestionRunsView(Snapshot.Attribution).Text, SparkPlan.CreateAttributedView.Text,
            SparkPlan.CreateCheckedView.Text, SparkPlan.CreateNewestCopiesView.Text, SparkPlan.CreateReadingsView.Text,
            SparkPlan.QueryPartitionOffsets.Text, "root: " + SparkPlan.QueryPartitionOffsets.Text,
            SparkPlan.QueryCounts.Text, "root: " + SparkPlan.QueryCounts.Text,
            SparkPlan.QueryInvalidReasons.Text, "root: " + SparkPlan.QueryInvalidReasons.Text,
            SparkPlan.QueryWinningCopies.Text, "root: " + SparkPlan.QueryWinningCopies.Text,
            SparkPlan.QueryRunPresence.Text, "root: " + SparkPlan.QueryRunPresence.Text,
            SparkPlan.QueryUnattributed.Text, "root: " + SparkPlan.QueryUnattributed.Text,
            "write: " + SparkPlan.RawZoneRows.Text,
            "write: " + SparkPlan.InsertQuarterlyAggregates(runId).Text,
            SparkPlan.UncacheRecords.Text,
        ];
        Assert.Equal(expected, requests.Select(Describe));

        var write = requests.First(r => r.Plan.Command?.WriteOperation is not null).Plan.Command.WriteOperation;
        Assert.Equal($"hdfs://namenode:8020/raw/energy_readings/run_id={runId}", write.Path);
        Assert.Equal(write.Path, result.RawZoneUri);
        Assert.Equal(WriteOperation.Types.SaveMode.Overwrite, write.Mode);
        Assert.Equal(["year", "quarter"], write.PartitioningColumns);

        Assert.Equal("3.5.1", result.SparkVersion);
        Assert.Equal([new PartitionOffsets(0, 0, 99, 100), new PartitionOffsets(1, 5, 60, 56)], result.Offsets);
        Assert.Equal((150L, 2L, 8L, 140L, 3), (result.ReadingsRead, result.Invalid, result.DuplicatesDropped, result.Readings, result.Quarters));
        // Spark's counts, placed by the numbers the plan gave ingestions and runs.
        Assert.Same(Snapshot.Attribution, result.Evidence.Attribution);
        Assert.Equal([138L], result.Evidence.WinningCopiesByIngestion);
        Assert.Equal([100L, 26L, 23L], result.Evidence.PresentByRun);
        Assert.Equal(6, result.Unattributed);
        Assert.Equal([new UnattributedMessage(1, 31, "2008-01-01T00:00:00"), new UnattributedMessage(1, 32, null)], result.UnattributedSamples);
        // Reported in the rules' order, whatever order Spark returned them in.
        Assert.Equal(["tombstone", "key_mismatch"], result.InvalidByReason.Select(r => r.Reason));
        Assert.Equal(new SparkJob.Aggregation.InvalidMessage(2, 7, "tombstone"), Assert.Single(result.InvalidByReason[0].Samples));
        // Links are the job run's (from completion records), not the Spark run's.
        Assert.Empty(linked);
    }

    [Fact]
    public async Task A_failed_statement_fails_the_run_with_spark_s_message_and_still_releases_the_cache()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = AnswerLikeSpark(failing: "write: " + SparkPlan.InsertQuarterlyAggregates(Guid.Empty).Text[..40]);

        var error = await Assert.ThrowsAsync<SparkConnectException>(() =>
            new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance).RunAsync(Options(server), Guid.NewGuid(), Snapshot, TestContext.Current.CancellationToken));

        Assert.Equal("insert_quarterly_staging", error.Statement);
        Assert.Contains("relation \"quarterly_energy_staging\" does not exist", error.ServerMessage, StringComparison.Ordinal);
        Assert.Equal(SparkPlan.UncacheRecords.Text, Describe(server.Service.ExecuteRequests.Last()));
    }

    [Fact]
    public async Task A_statement_that_outlasts_the_configured_limit_fails_the_run_naming_the_setting()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        var answer = AnswerLikeSpark(failing: null);
        // The cache statement never completes: every stream ends early, as Spark's do while a statement runs.
        server.Service.OnExecute = (request, responses, context) =>
            Describe(request) == SparkPlan.CacheRecords.Text ? Task.CompletedTask : answer(request, responses, context);
        server.Service.OnReattach = (_, _, _) => Task.Delay(50);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        giveUp.CancelAfter(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<SparkConnectException>(() => new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance)
            .RunAsync(Options(server) with { MaxStatementDuration = TimeSpan.FromSeconds(1) }, Guid.NewGuid(), Snapshot, giveUp.Token));

        Assert.Equal(SparkPlan.CacheRecords.Name, error.Statement);
        Assert.Contains("did not complete within 00:00:01 (Pipeline:Spark:MaxStatementDuration)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_password_travels_only_as_the_password_option_of_the_jdbc_write()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = AnswerLikeSpark(failing: null);
        const string password = "Pw7f3a9c2e-seen-once";
        var needle = System.Text.Encoding.UTF8.GetBytes(password);

        await new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance).RunAsync(Options(server) with { Password = password }, Guid.NewGuid(), Snapshot, TestContext.Current.CancellationToken);

        // Of every request the server received (executions, analyses, releases), one carries the password ...
        Assert.Single(server.Service.RequestBytes, bytes => bytes.AsSpan().IndexOf(needle) >= 0);
        var carrier = Assert.Single(server.Service.ExecuteRequests, r => r.ToByteArray().AsSpan().IndexOf(needle) >= 0);
        var write = carrier.Plan.Command.WriteOperation;
        Assert.Equal("jdbc", write.Source);
        Assert.Equal(password, write.Options["password"]);

        // ... in that one option only: not in the SQL text, the URL or any other field of the plan.
        var withoutOption = carrier.Clone();
        withoutOption.Plan.Command.WriteOperation.Options.Remove("password");
        Assert.True(withoutOption.ToByteArray().AsSpan().IndexOf(needle) < 0);
        Assert.All(server.Service.ExecuteRequests, r => Assert.DoesNotContain(password, Describe(r), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hostile_configuration_is_refused_before_anything_is_sent()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance)
            .RunAsync(Options(server) with { KafkaBootstrapServers = "kafka:29092' ) --" }, Guid.NewGuid(), Snapshot, TestContext.Current.CancellationToken));

        Assert.Empty(server.Service.ExecuteRequests);
        Assert.Empty(server.Service.AnalyzeRequests);
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_fails_the_run_after_the_readiness_timeout()
    {
        int port;
        await using (var server = await FakeSparkConnectServer.StartAsync())
        {
            port = server.Address.Port;
        }

        var options = new SparkEngineOptions
        {
            SparkConnectionString = $"sc://127.0.0.1:{port}",
            KafkaBootstrapServers = "kafka:29092",
            PostgresAddress = "postgres:5432",
            Database = "energy_db",
            Username = "postgres",
            Password = "",
            HdfsUri = "hdfs://namenode:8020",
            ReadinessTimeout = TimeSpan.FromSeconds(2),
        };
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SparkConnectException>(() =>
            new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance).RunAsync(options, Guid.NewGuid(), Snapshot, TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));
    }

    /// <summary>
    /// Ingests one completed run of identical readings into raw_energy (created with 2 partitions by
    /// <see cref="NewCluster"/>), a minute apart from <paramref name="from"/> (1 January 2008 by default).
    /// </summary>
    private static IngestionCompletion IngestOneRun(MockKafkaCluster cluster, int minutes, string? traceParent = null, DateTime? from = null)
    {
        using var ingestion = new TestIngestion(cluster.BootstrapServers, traceParent: traceParent);
        foreach (var i in Enumerable.Range(0, minutes))
        {
            ingestion.Send(new EnergyReading((from ?? new DateTime(2008, 1, 1)).AddMinutes(i), 1.5m, 0.1m, 240m, 6m, 0m, 1m, 17m));
        }

        return ingestion.Complete();
    }

    /// <summary>A mock cluster with raw_energy (2 partitions) and its control topic.</summary>
    private static MockKafkaCluster NewCluster()
    {
        var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics("raw_energy", 2);
        return cluster;
    }

    [Fact]
    public async Task The_job_captures_the_snapshot_spark_reads_exactly_and_checks_spark_s_result_like_the_local_engine_s()
    {
        using var cluster = NewCluster();
        var completion = IngestOneRun(cluster, minutes: 40);

        // The end offsets computed independently: one past the last message of each partition, as read back, in
        // partition order (the read interleaves partitions in any order).
        var ends = KafkaTopicReader.ReadAll(cluster.BootstrapServers, "raw_energy", TimeSpan.FromSeconds(20))
            .GroupBy(m => m.Partition.Value).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Max(m => m.Offset.Value) + 1);
        await using var db = await Job.JobDatabase.CreateAsync(postgres, "sparkcheck");
        await db.Runner(new Job.StagingEngine(db.Store, [Job.JobTestData.Quarter2007()])).RunAsync("raw_energy", TestContext.Current.CancellationToken);
        var before = await db.QuarterRowsAsTextAsync();
        await using var server = await FakeSparkConnectServer.StartAsync();
        var snapshots = new SnapshotSource(TestKafkaClients.SnapshotConsumers(cluster.BootstrapServers), cluster.BootstrapServers, TimeSpan.FromSeconds(10));
        var snapshot = snapshots.Capture("raw_energy", TestContext.Current.CancellationToken);
        // Spark counts 3 messages fewer than the ingestion sent to each partition, and no later message could replace them.
        server.Service.OnExecute = AnswerLikeSpark(failing: null, snapshot, winning: [(0, 34)],
            present: [.. snapshot.Attribution.Runs.Select((run, index) => (index, run.Length - 3))]);
        var engine = new SparkEngine(Options(server), new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance), snapshots);

        var error = await Assert.ThrowsAsync<IncompleteDataException>(() => db.Runner(engine).RunAsync("raw_energy", TestContext.Current.CancellationToken));

        var sent = completion.OffsetRuns!.Single(p => p.Partition == 0).Messages;
        Assert.Contains($"ingestion {completion.RunId} sent {sent} messages to partition 0 (offsets 0-{sent - 1}); the topic holds {sent - 3} of them",
            error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await db.QuarterRowsAsTextAsync());
        var source = server.Service.ExecuteRequests.Select(Describe).Single(t => t.Contains("USING kafka", StringComparison.Ordinal));
        Assert.Contains($"'endingOffsets' '{System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, long>> { ["raw_energy"] = ends })}'",
            source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spark_is_given_only_the_verified_completion_records_and_the_run_counts_the_others()
    {
        var key = CompletionKey.From("a-completion-key-of-at-least-32-characters");
        using var cluster = NewCluster();
        IngestionCompletion signed;
        using (var ingestion = new TestIngestion(cluster.BootstrapServers))
        {
            foreach (var i in Enumerable.Range(0, 10))
            {
                ingestion.Send(new EnergyReading(new DateTime(2008, 1, 1).AddMinutes(i), 1.5m, 0.1m, 240m, 6m, 0m, 1m, 17m));
            }

            signed = ingestion.Complete(key.Sign);
        }

        var forged = IngestOneRun(cluster, minutes: 10, from: new DateTime(2009, 1, 1));
        await using var db = await Job.JobDatabase.CreateAsync(postgres, "sparksigned");
        await using var server = await FakeSparkConnectServer.StartAsync();
        var snapshots = new SnapshotSource(TestKafkaClients.SnapshotConsumers(cluster.BootstrapServers), cluster.BootstrapServers, TimeSpan.FromSeconds(10),
            new CompletionVerifier(key));
        var snapshot = snapshots.Capture("raw_energy", TestContext.Current.CancellationToken);
        server.Service.OnExecute = AnswerLikeSpark(failing: null, snapshot, winning: [(0, 10)]);
        var engine = new SparkEngine(Options(server), new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance), snapshots);

        var summary = await db.Runner(engine).RunAsync("raw_energy", TestContext.Current.CancellationToken);

        Assert.Equal([signed.RunId], snapshot.Completions.Select(c => c.RunId));
        Assert.Equal([signed.RunId], snapshot.Attribution.Ingestions.Select(c => c.RunId));
        Assert.Equal(forged.RunId, Assert.Single(snapshot.UnsignedCompletions!).RunId);
        Assert.Equal(1, summary.UnsignedCompletions);
        Assert.Equal(1, await db.ScalarAsync("SELECT unsigned_completions FROM pipeline_runs WHERE run_id = $1", summary.RunId));
    }

    [Fact]
    public async Task A_published_spark_run_makes_the_directory_it_wrote_the_current_raw_zone()
    {
        using var cluster = NewCluster();
        var completion = IngestOneRun(cluster, minutes: 10);

        await using var db = await Job.JobDatabase.CreateAsync(postgres, "sparkrawzone");
        await using var server = await FakeSparkConnectServer.StartAsync();
        var snapshots = new SnapshotSource(TestKafkaClients.SnapshotConsumers(cluster.BootstrapServers), cluster.BootstrapServers, TimeSpan.FromSeconds(10));
        server.Service.OnExecute = AnswerLikeSpark(failing: null, snapshots.Capture("raw_energy", TestContext.Current.CancellationToken), winning: [(0, 10)]);
        var engine = new SparkEngine(Options(server), new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance), snapshots);

        var summary = await db.Runner(engine).RunAsync("raw_energy", TestContext.Current.CancellationToken);
        Assert.Equal(completion.RunId, await db.TextAsync("SELECT ingestion_run_ids[1] FROM pipeline_runs WHERE run_id = $1", summary.RunId));

        // The directory Spark was told to write, and the one the run id names under the configured raw zone.
        var written = server.Service.ExecuteRequests.Select(r => r.Plan.Command?.WriteOperation).Single(w => w is { Source: "parquet" })!.Path;
        Assert.Equal($"hdfs://namenode:8020/raw/energy_readings/run_id={summary.RunId}", written);
        Assert.Equal(written, await db.TextAsync($"SELECT raw_zone_uri FROM {SparkJob.Storage.EnergySchema.CurrentRawZoneView}"));
        Assert.Equal(summary.RunId.ToString(), await db.TextAsync($"SELECT run_id::text FROM {SparkJob.Storage.EnergySchema.CurrentRawZoneView}"));
    }

    [Fact]
    public async Task A_spark_run_continues_the_newest_ingestion_s_trace_and_links_only_the_other_ingestions_its_figures_come_from()
    {
        string[] traces =
        [
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50-1a2b3c4d5e6f7081-01",
        ];
        using var cluster = NewCluster();
        for (var i = 0; i < traces.Length; i++)
        {
            IngestOneRun(cluster, minutes: 5, traces[i], from: new DateTime(2008, 1, 1).AddDays(i));
        }

        await using var db = await Job.JobDatabase.CreateAsync(postgres, "sparklinks");
        await using var server = await FakeSparkConnectServer.StartAsync();
        var snapshots = new SnapshotSource(TestKafkaClients.SnapshotConsumers(cluster.BootstrapServers), cluster.BootstrapServers, TimeSpan.FromSeconds(10));
        // Spark reports readings kept from the first and the newest ingestion only: the middle one supplies none.
        server.Service.OnExecute = AnswerLikeSpark(failing: null, snapshots.Capture("raw_energy", TestContext.Current.CancellationToken), winning: [(0, 5), (2, 5)]);
        var engine = new SparkEngine(Options(server), new SparkPlanRunner(NullLogger<SparkPlanRunner>.Instance), snapshots);
        var runSpans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (runSpans) { runSpans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);

        var summary = await db.Runner(engine, snapshots).RunAsync("raw_energy", TestContext.Current.CancellationToken);

        Activity runSpan;
        lock (runSpans)
        {
            runSpan = Assert.Single(runSpans, a => a.OperationName == "energy job run" && (string?)a.GetTagItem("energy.run_id") == summary.RunId.ToString());
        }

        Assert.Equal("5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50", runSpan.TraceId.ToHexString());
        Assert.Equal(["0af7651916cd43dd8448eb211c80319c"], runSpan.Links.Select(l => l.Context.TraceId.ToHexString()));
    }

    private static SparkEngineOptions Options(FakeSparkConnectServer server) => new()
    {
        SparkConnectionString = server.ConnectionString,
        KafkaBootstrapServers = "kafka:29092",
        PostgresAddress = "postgres:5432",
        Database = "energy_db",
        Username = "postgres",
        Password = "not-a-secret",
        HdfsUri = "hdfs://namenode:8020",
        // A statement the fake never completes fails the test in seconds, not after the default 4 hours.
        MaxStatementDuration = TimeSpan.FromSeconds(20),
    };

    private static string Describe(ExecutePlanRequest request) => request.Plan.OpTypeCase switch
    {
        Plan.OpTypeOneofCase.Root => "root: " + request.Plan.Root.Sql.Query,
        _ when request.Plan.Command.CommandTypeCase == Command.CommandTypeOneofCase.WriteOperation => "write: " + request.Plan.Command.WriteOperation.Input.Sql.Query,
        _ => request.Plan.Command.SqlCommand.Sql,
    };

    // Spark's answer shapes: a query's SQL command returns its relation; executing that root returns Arrow batches.
    /// <summary>
    /// Answers as Spark would for <paramref name="snapshot"/>: every attributed message present unless
    /// <paramref name="present"/> says otherwise (run number, messages), and the readings kept per ingestion number.
    /// </summary>
    private static FakeSparkConnectServer.ExecuteHandler AnswerLikeSpark(
        string? failing, TopicSnapshot? snapshot = null, (int Ingestion, long Copies)[]? winning = null, (int Run, long Present)[]? present = null) => async (request, responses, _) =>
    {
        snapshot ??= Snapshot;
        winning ??= [(0, 138)];
        present ??= snapshot == Snapshot ? [(0, 100), (1, 26), (2, 23)] : [.. snapshot.Attribution.Runs.Select((run, index) => (index, run.Length))];
        var text = Describe(request);
        if (failing is not null && text.StartsWith(failing, StringComparison.Ordinal))
        {
            throw SparkError("org.postgresql.util.PSQLException: ERROR: relation \"quarterly_energy_staging\" does not exist", "org.apache.spark.SparkException");
        }

        if (request.Plan.OpTypeCase == Plan.OpTypeOneofCase.Command && text.StartsWith("SELECT", StringComparison.Ordinal))
        {
            await responses.WriteAsync(Response(request, new ExecutePlanResponse
            {
                SqlCommandResult = new ExecutePlanResponse.Types.SqlCommandResult { Relation = new Relation { Sql = new SQL { Query = text } } },
            }));
        }
        else if (request.Plan.OpTypeCase == Plan.OpTypeOneofCase.Root)
        {
            var query = request.Plan.Root.Sql.Query;
            var arrow = query == SparkPlan.QueryPartitionOffsets.Text ? ArrowTestData.Offsets((0, 0, 99, 100), (1, 5, 60, 56))
                : query == SparkPlan.QueryCounts.Text ? ArrowTestData.Longs(("readings_read", 150), ("invalid", 2), ("duplicates_dropped", 8), ("readings", 140), ("quarters", 3))
                : query == SparkPlan.QueryWinningCopies.Text ? ArrowTestData.Counts("ingestion", "copies", winning)
                : query == SparkPlan.QueryRunPresence.Text ? ArrowTestData.Counts("run_index", "present", present)
                : query == SparkPlan.QueryUnattributed.Text ? ArrowTestData.Unattributed(6, (1, 31, "2008-01-01T00:00:00"), (1, 32, null))
                : query == SparkPlan.QueryInvalidReasons.Text ? ArrowTestData.InvalidReasons(("tombstone", 1, 2, 7), ("key_mismatch", 1, 0, 3))
                : throw new RpcException(new Status(StatusCode.InvalidArgument, "unexpected query"));
            await responses.WriteAsync(Response(request, new ExecutePlanResponse
            {
                ArrowBatch = new ExecutePlanResponse.Types.ArrowBatch { RowCount = 1, Data = ByteString.CopyFrom(arrow) },
            }));
        }
        else if (request.Plan.Command.CommandTypeCase == Command.CommandTypeOneofCase.SqlCommand)
        {
            await responses.WriteAsync(Response(request, new ExecutePlanResponse
            {
                SqlCommandResult = new ExecutePlanResponse.Types.SqlCommandResult { Relation = new Relation { LocalRelation = new LocalRelation() } },
            }));
        }

        await responses.WriteAsync(Response(request, new ExecutePlanResponse { ResultComplete = new() }));
    };

    private static ActivityListener ListenForRun(Guid runId, List<ActivityLink> links)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.DisplayName == "spark engine run" && Equals(activity.GetTagItem("energy.run_id"), runId.ToString()))
                {
                    links.AddRange(activity.Links);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
