using System.Diagnostics;
using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.Telemetry;
using EnergyPipeline.SparkJob.SparkConnect.Protocol;
using Google.Protobuf;
using Grpc.Core;
using static EnergyPipeline.Tests.Spark.FakeSparkConnectServer.ScriptedService;

namespace EnergyPipeline.Tests.Spark;

/// <summary>The client against a real gRPC server on 127.0.0.1 (h2c) speaking the Spark Connect service.</summary>
public sealed class SparkConnectSessionTests
{
    private static CancellationToken Timeout => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Statements_of_one_session_share_its_id_and_user_with_fresh_operation_ids()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        using var session = Connect(server);

        Assert.Equal("3.5.1", await session.SparkVersionAsync(Timeout));
        await session.SqlAsync(new SparkSql("first", "CREATE TEMPORARY VIEW v AS SELECT 1"), Timeout);
        await session.SqlAsync(new SparkSql("second", "SELECT * FROM v"), Timeout);

        var requests = server.Service.ExecuteRequests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal(session.SessionId.ToString(), r.SessionId));
        Assert.Equal(session.SessionId.ToString(), server.Service.AnalyzeRequests.Single().SessionId);
        Assert.All(requests, r => Assert.Equal("tester", r.UserContext.UserId));
        Assert.All(requests, r => Assert.True(r.RequestOptions.Single().ReattachOptions.Reattachable));
        Assert.Equal("CREATE TEMPORARY VIEW v AS SELECT 1", requests[0].Plan.Command.SqlCommand.Sql);
        Assert.NotEqual(requests[0].OperationId, requests[1].OperationId);
        Assert.All(requests, r => Assert.True(Guid.TryParse(r.OperationId, out _)));
        // Each completed execution is released, by its operation id.
        Assert.Equal(requests.Select(r => r.OperationId), server.Service.ReleaseRequests.Select(r => r.OperationId));
        Assert.All(server.Service.ReleaseRequests, r => Assert.Equal(ReleaseExecuteRequest.ReleaseOneofCase.ReleaseAll, r.ReleaseCase));
    }

    [Fact]
    public async Task Analyze_request_on_the_wire_matches_the_hand_built_encoding()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        var sessionId = Guid.Parse("00000000-0000-0000-0000-00000000000c");
        using var session = Connect(server, sessionId);

        await session.SparkVersionAsync(Timeout);

        var clientType = SparkConnectProtocolTests.Ascii(SparkConnectSession.ClientType);
        byte[] expected =
        [
            0x0A, 36, .. SparkConnectProtocolTests.Ascii(sessionId.ToString()), // session_id = 1
            0x12, 0x08, 0x0A, 0x06, .. SparkConnectProtocolTests.Ascii("tester"), // user_context = 2 { user_id = 1 }
            0x1A, (byte)clientType.Length, .. clientType,                       // client_type = 3
            0x52, 0x00,                                                         // spark_version = 10, empty
        ];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(server.Service.RequestBytes.Single()));
    }

    [Fact]
    public async Task Query_sends_the_returned_relation_back_unchanged_and_decodes_every_arrow_batch()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        // The relation Spark 3.5 returns for a query: SQL with its args map (field 2) and a plan id in common.
        byte[] relationBytes = [0x0A, 0x02, 0x10, 0x2A, 0x52, 0x0A, 0x0A, 0x06, .. SparkConnectProtocolTests.Ascii("SELECT"), 0x12, 0x00];
        var relation = Relation.Parser.ParseFrom(relationBytes);
        server.Service.OnExecute = async (request, responses, context) =>
        {
            if (request.Plan.OpTypeCase == Plan.OpTypeOneofCase.Command)
            {
                await responses.WriteAsync(Response(request, new ExecutePlanResponse
                {
                    SqlCommandResult = new ExecutePlanResponse.Types.SqlCommandResult { Relation = relation },
                }));
            }
            else
            {
                foreach (var batch in new[] { ArrowTestData.Offsets((0, 0, 9, 10), (1, 3, 7, 4)), ArrowTestData.Offsets((2, 0, 0, 1)) })
                {
                    await responses.WriteAsync(Response(request, new ExecutePlanResponse
                    {
                        ArrowBatch = new ExecutePlanResponse.Types.ArrowBatch { RowCount = 2, Data = ByteString.CopyFrom(batch) },
                    }));
                }
            }

            await responses.WriteAsync(Response(request, new ExecutePlanResponse { ResultComplete = new() }));
        };
        using var session = Connect(server);

        var rows = await session.QueryAsync(new SparkSql("offsets", "SELECT ..."), Timeout);

        var requests = server.Service.ExecuteRequests.ToArray();
        Assert.Equal("SELECT ...", requests[0].Plan.Command.SqlCommand.Sql);
        Assert.Equal(Convert.ToHexString(relationBytes), Convert.ToHexString(requests[1].Plan.Root.ToByteArray()));
        Assert.Equal(["kafka_partition", "min_offset", "max_offset", "records"], rows.Columns);
        Assert.Equal(3, rows.Count);
        Assert.Equal([0, 1, 2], Enumerable.Range(0, 3).Select(i => rows.Get<int>(i, "kafka_partition")));
        Assert.Equal([10L, 4L, 1L], Enumerable.Range(0, 3).Select(i => rows.Get<long>(i, "records")));
    }

    [Fact]
    public async Task A_spark_error_surfaces_with_the_server_message()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        const string message = "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nowhere` cannot be found.";
        server.Service.OnExecute = (_, _, _) => throw SparkError(message);
        using var session = Connect(server);

        var error = await Assert.ThrowsAsync<SparkConnectException>(() => session.SqlAsync(new SparkSql("read_nowhere", "SELECT * FROM nowhere"), Timeout));

        Assert.Equal(message, error.ServerMessage);
        Assert.Equal("read_nowhere", error.Statement);
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        // An answer from Spark, not a broken stream: nothing to reattach to, and the failed execution is released.
        Assert.Empty(server.Service.ReattachRequests);
        AssertReleasedOnce(server, server.Service.ExecuteRequests.Single().OperationId);
    }

    [Fact]
    public async Task An_error_after_some_responses_still_fails_the_statement()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = async (request, responses, _) =>
        {
            await responses.WriteAsync(Response(request, new ExecutePlanResponse
            {
                ArrowBatch = new ExecutePlanResponse.Types.ArrowBatch { RowCount = 1, Data = ByteString.CopyFrom(ArrowTestData.Offsets((0, 0, 0, 1))) },
            }));
            throw new RpcException(new Status(StatusCode.Unknown, "Job aborted due to stage failure"));
        };
        using var session = Connect(server);

        var error = await Assert.ThrowsAsync<SparkConnectException>(() => session.SqlAsync(new SparkSql("insert", "INSERT ..."), Timeout));

        Assert.Equal("Job aborted due to stage failure", error.ServerMessage);
        // UNKNOWN without details is how Spark reports a fatal error (ErrorUtils.handleError): not a transport failure.
        Assert.Empty(server.Service.ReattachRequests);
        AssertReleasedOnce(server, server.Service.ExecuteRequests.Single().OperationId);
    }

    [Fact]
    public async Task A_stream_broken_mid_result_is_reattached_and_every_row_arrives_once()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        var batches = new[] { (0, 0L, 9L, 10L), (1, 3L, 7L, 4L), (2, 0L, 0L, 1L), (3, 5L, 8L, 3L) }
            .Select(row => new ExecutePlanResponse
            {
                ResponseId = Guid.NewGuid().ToString(),
                ArrowBatch = new ExecutePlanResponse.Types.ArrowBatch { RowCount = 1, Data = ByteString.CopyFrom(ArrowTestData.Offsets(row)) },
            })
            .Append(new ExecutePlanResponse { ResponseId = Guid.NewGuid().ToString(), ResultComplete = new() })
            .ToList();
        server.Service.OnExecute = WrapQuery(async (request, responses, context) =>
        {
            // Two batches, then the connection breaks: the client gets no status, only a broken stream.
            await responses.WriteAsync(Response(request, batches[0].Clone()));
            await responses.WriteAsync(Response(request, batches[1].Clone()));
            BreakStream(context);
        });
        server.Service.OnReattach = async (request, responses, _) =>
        {
            // Spark resumes after last_response_id, or from the start without it.
            var next = request.HasLastResponseId ? batches.FindIndex(b => b.ResponseId == request.LastResponseId) + 1 : 0;
            foreach (var batch in batches.Skip(next))
            {
                await responses.WriteAsync(Resumed(request, batch));
            }
        };
        using var session = Connect(server);

        var rows = await session.QueryAsync(new SparkSql("offsets", "SELECT ..."), Timeout);

        Assert.Equal([0, 1, 2, 3], Enumerable.Range(0, rows.Count).Select(i => rows.Get<int>(i, "kafka_partition")));
        Assert.Equal([10L, 4L, 1L, 3L], Enumerable.Range(0, rows.Count).Select(i => rows.Get<long>(i, "records")));
        var operationId = server.Service.ExecuteRequests.Last().OperationId;
        Assert.All(server.Service.ReattachRequests, r => Assert.Equal(operationId, r.OperationId));
        Assert.NotEmpty(server.Service.ReattachRequests);
    }

    [Fact]
    public async Task A_statement_whose_streams_are_cut_again_and_again_runs_on_until_it_completes()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        const int Cuts = 40; // past the 30 empty rounds an earlier client gave a statement
        server.Service.OnExecute = (_, _, _) => Task.CompletedTask;
        server.Service.OnReattach = async (request, responses, context) =>
        {
            // Spark ends each stream after senderMaxStreamDuration while the statement runs; a proxy may break one.
            var attempt = server.Service.ReattachRequests.Count;
            if (attempt < Cuts)
            {
                if (attempt % 2 == 0)
                {
                    BreakStream(context);
                }

                return;
            }

            await responses.WriteAsync(Resumed(request, new ExecutePlanResponse
            {
                SqlCommandResult = new ExecutePlanResponse.Types.SqlCommandResult { Relation = new Relation { LocalRelation = new LocalRelation() } },
            }));
            await responses.WriteAsync(Resumed(request, new ExecutePlanResponse { ResultComplete = new() }));
        };
        using var session = Connect(server);

        await session.SqlAsync(new SparkSql("long_write", "INSERT ..."), Timeout);

        Assert.Equal(Cuts, server.Service.ReattachRequests.Count);
        Assert.All(server.Service.ReattachRequests, r => Assert.False(r.HasLastResponseId));
        AssertReleasedOnce(server, server.Service.ExecuteRequests.Single().OperationId);
    }

    [Fact]
    public async Task A_statement_that_outlasts_its_time_limit_fails_naming_the_setting_and_is_released()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = (_, _, _) => Task.Delay(100);
        server.Service.OnReattach = (_, _, _) => Task.Delay(100);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address);
        var limit = TimeSpan.FromSeconds(1.5);
        using var session = new SparkConnectSession(new SparkConnectService.SparkConnectServiceClient(channel), "tester", Guid.NewGuid(), limit);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        giveUp.CancelAfter(TimeSpan.FromSeconds(30)); // a client without a limit would reattach for ever
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SparkConnectException>(() => session.SqlAsync(new SparkSql("endless", "INSERT ..."), giveUp.Token));

        Assert.InRange(stopwatch.Elapsed, limit, limit + TimeSpan.FromSeconds(10));
        var operationId = server.Service.ExecuteRequests.Single().OperationId;
        Assert.Contains($"operation {operationId} did not complete within 00:00:01.5000000 (Pipeline:Spark:MaxStatementDuration)", error.Message, StringComparison.Ordinal);
        Assert.True(server.Service.ReattachRequests.Count > 3, $"{server.Service.ReattachRequests.Count} reattaches");
        AssertReleasedOnce(server, operationId);
    }

    [Fact]
    public async Task An_execute_plan_that_never_reached_spark_is_sent_again_under_its_operation_id()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = async (request, responses, context) =>
        {
            if (server.Service.ExecuteRequests.Count == 1)
            {
                // Lost on the way: Spark never saw it, so a reattach finds no such operation.
                BreakStream(context);
                return;
            }

            await CompleteCommand(request, responses, context);
        };
        using var session = Connect(server);

        await session.SqlAsync(new SparkSql("create_view", "CREATE TEMPORARY VIEW v AS SELECT 1"), Timeout);

        var executes = server.Service.ExecuteRequests.ToArray();
        Assert.Equal(2, executes.Length);
        Assert.Equal(executes[0].OperationId, executes[1].OperationId);
        Assert.Equal(executes[0].Plan, executes[1].Plan);
        Assert.Equal(executes[0].OperationId, Assert.Single(server.Service.ReattachRequests).OperationId);
    }

    [Fact]
    public async Task An_operation_spark_forgot_after_sending_rows_fails_rather_than_running_again()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = WrapQuery(async (request, responses, _) =>
        {
            // One batch, then the stream ends early; the reattach then finds no such operation (the default).
            await responses.WriteAsync(Response(request, new ExecutePlanResponse
            {
                ArrowBatch = new ExecutePlanResponse.Types.ArrowBatch { RowCount = 1, Data = ByteString.CopyFrom(ArrowTestData.Offsets((0, 0, 4, 5))) },
            }));
        });
        using var session = Connect(server);

        var error = await Assert.ThrowsAsync<SparkConnectException>(() => session.QueryAsync(new SparkSql("q", "SELECT ..."), Timeout));

        // Sending the plan again would deliver its rows twice.
        Assert.Contains("INVALID_HANDLE.OPERATION_NOT_FOUND", error.ServerMessage, StringComparison.Ordinal);
        Assert.Single(server.Service.ExecuteRequests, r => r.Plan.OpTypeCase == Plan.OpTypeOneofCase.Root);
    }

    [Fact]
    public async Task A_reattach_resumes_after_the_last_response_and_collects_the_rest()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        var firstId = Guid.NewGuid().ToString();
        server.Service.OnExecute = async (request, responses, _) =>
        {
            await responses.WriteAsync(Response(request, new ExecutePlanResponse
            {
                ResponseId = firstId,
                ArrowBatch = new ExecutePlanResponse.Types.ArrowBatch { RowCount = 1, Data = ByteString.CopyFrom(ArrowTestData.Offsets((0, 0, 4, 5))) },
            }));
        };
        server.Service.OnReattach = async (request, responses, _) =>
        {
            var original = server.Service.ExecuteRequests.Last();
            Assert.Equal(firstId, request.LastResponseId);
            await responses.WriteAsync(Response(original, new ExecutePlanResponse
            {
                ArrowBatch = new ExecutePlanResponse.Types.ArrowBatch { RowCount = 1, Data = ByteString.CopyFrom(ArrowTestData.Offsets((1, 0, 2, 3))) },
            }));
            await responses.WriteAsync(Response(original, new ExecutePlanResponse { ResultComplete = new() }));
        };
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address);
        var client = new SparkConnectService.SparkConnectServiceClient(channel);
        using var session = new SparkConnectSession(client, "tester", Guid.NewGuid());
        server.Service.OnExecute = WrapQuery(server.Service.OnExecute);

        var rows = await session.QueryAsync(new SparkSql("q", "SELECT ..."), Timeout);

        Assert.Equal([5L, 3L], Enumerable.Range(0, rows.Count).Select(i => rows.Get<long>(i, "records")));
        Assert.Single(server.Service.ReattachRequests);
    }

    [Fact]
    public async Task Cancellation_stops_a_statement_the_server_is_still_running()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        server.Service.OnExecute = (_, _, context) => Task.Delay(System.Threading.Timeout.Infinite, context.CancellationToken);
        using var session = Connect(server);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.SqlAsync(new SparkSql("hang", "INSERT ..."), cancel.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {stopwatch.Elapsed}");
        await server.Service.ServerSawCancellation.Task.WaitAsync(TimeSpan.FromSeconds(10), Timeout);
        // Spark keeps a detached execution running until its detached timeout: ReleaseAll interrupts it now.
        AssertReleasedOnce(server, server.Service.ExecuteRequests.Single().OperationId);
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_is_reported_as_unavailable()
    {
        int port;
        await using (var server = await FakeSparkConnectServer.StartAsync())
        {
            port = server.Address.Port;
        }

        using var session = SparkConnectSession.Connect(SparkConnectionString.Parse($"sc://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<SparkConnectException>(() => session.SparkVersionAsync(Timeout));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Every_statement_is_traced_by_name_without_its_text()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        var sessionId = Guid.NewGuid();
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem("spark.session_id"), sessionId.ToString()))
                {
                    lock (activities)
                    {
                        activities.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        server.Service.OnExecute = (_, _, _) => throw SparkError("boom");
        using var session = Connect(server, sessionId);

        await session.SparkVersionAsync(Timeout);
        await Assert.ThrowsAsync<SparkConnectException>(() => session.SqlAsync(new SparkSql("create_staging_view", "OPTIONS (password 'secret')"), Timeout));

        Assert.Equal(["spark spark_version", "spark create_staging_view"], activities.Select(a => a.DisplayName));
        Assert.Equal(ActivityStatusCode.Error, activities[1].Status);
        Assert.Equal("boom", activities[1].StatusDescription);
        Assert.DoesNotContain(activities.SelectMany(a => a.TagObjects), tag => tag.Value?.ToString()?.Contains("secret", StringComparison.Ordinal) == true);
    }

    /// <summary>
    /// A session whose statements give up after 20 s: a client that wrongly kept reattaching fails the test with the
    /// time limit's message instead of running on for the default 4 hours.
    /// </summary>
    private static SparkConnectSession Connect(FakeSparkConnectServer server, Guid? sessionId = null) =>
        SparkConnectSession.Connect(SparkConnectionString.Parse(server.ConnectionString), sessionId, maxStatementDuration: TimeSpan.FromSeconds(20));

    private static void AssertReleasedOnce(FakeSparkConnectServer server, string operationId)
    {
        var release = Assert.Single(server.Service.ReleaseRequests, r => r.OperationId == operationId);
        Assert.Equal(ReleaseExecuteRequest.ReleaseOneofCase.ReleaseAll, release.ReleaseCase);
    }

    /// <summary>A response of the execution a reattach continues.</summary>
    private static ExecutePlanResponse Resumed(ReattachExecuteRequest request, ExecutePlanResponse response) =>
        Response(new ExecutePlanRequest { SessionId = request.SessionId, OperationId = request.OperationId }, response.Clone());

    // The query's command round answers with a SQL relation; the scripted handler then serves the root round.
    private static FakeSparkConnectServer.ExecuteHandler WrapQuery(FakeSparkConnectServer.ExecuteHandler rootHandler) =>
        async (request, responses, context) =>
        {
            if (request.Plan.OpTypeCase == Plan.OpTypeOneofCase.Command)
            {
                await responses.WriteAsync(Response(request, new ExecutePlanResponse
                {
                    SqlCommandResult = new ExecutePlanResponse.Types.SqlCommandResult { Relation = new Relation { Sql = new SQL { Query = "SELECT ..." } } },
                }));
                await responses.WriteAsync(Response(request, new ExecutePlanResponse { ResultComplete = new() }));
                return;
            }

            await rootHandler(request, responses, context);
        };
}
