using System.Diagnostics;
using System.Globalization;
using EnergyPipeline.SparkJob.SparkConnect.Protocol;
using EnergyPipeline.SparkJob.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// One Spark Connect session: every statement runs under the same session id, so temporary views created by
/// one statement are visible to the next. Executions are reattachable: Spark ends each result with ResultComplete,
/// and a stream that ends without it (Spark caps a stream's duration and size) or breaks in transport is resumed
/// with ReattachExecute from the last response seen, until the statement completes or its time limit passes.
/// A statement that fails or is cancelled is released with ReleaseExecute(ReleaseAll), which stops it in Spark.
/// </summary>
/// <remarks>
/// The protocol, as Spark 3.5.1 serves it (connector/connect/server/.../sql/connect): <c>ExecuteGrpcResponseSender.execute</c>
/// completes a stream normally once <c>spark.connect.execute.reattachable.senderMaxStreamDuration</c> (2 minutes) or
/// <c>senderMaxStreamSize</c> is reached, before the result is complete; <c>SparkConnectReattachExecuteHandler.handle</c>
/// resumes after <c>last_response_id</c> (from the start without it) and answers INVALID_HANDLE.OPERATION_NOT_FOUND for an
/// operation it never received; <c>SparkConnectReleaseExecuteHandler.handle</c> with ReleaseAll removes the execution,
/// and <c>ExecuteHolder.close</c> interrupts it if it still runs; until then a detached execution keeps running for
/// <c>spark.connect.execute.manager.detachedTimeout</c> (5 minutes). Spark's own errors come as a status with a
/// <c>google.rpc.ErrorInfo</c> detail (<c>utils/ErrorUtils.buildStatusFromThrowable</c>), so a status without details
/// is the transport's. Spark's clients resume the same way (python <c>ExecutePlanResponseReattachableIterator</c>,
/// backoff from <c>GrpcRetryHandler.defaultPolicy</c>: 50 ms, times 4, at most 1 minute).
/// </remarks>
public sealed class SparkConnectSession : IDisposable
{
    public const string ClientType = "EnergyPipeline.SparkJob/1.0 (.NET; Spark Connect over gRPC)";

    /// <summary>How long one statement may run, reattaches included, unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultMaxStatementDuration = TimeSpan.FromHours(4);

    /// <summary>How long releasing an execution may take; it has its own token, the statement's may be cancelled.</summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>The trailer that carries a google.rpc.Status with Spark's error details.</summary>
    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    private readonly GrpcChannel? _ownedChannel;
    private readonly SparkConnectService.SparkConnectServiceClient _client;
    private readonly UserContext _user;
    private readonly TimeSpan _maxStatementDuration;

    public SparkConnectSession(SparkConnectService.SparkConnectServiceClient client, string userId, Guid sessionId, TimeSpan? maxStatementDuration = null)
    {
        _maxStatementDuration = maxStatementDuration ?? DefaultMaxStatementDuration;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_maxStatementDuration, TimeSpan.Zero, nameof(maxStatementDuration));
        _client = client;
        _user = new UserContext { UserId = userId };
        SessionId = sessionId;
    }

    private SparkConnectSession(GrpcChannel channel, string userId, Guid sessionId, TimeSpan? maxStatementDuration)
        : this(new SparkConnectService.SparkConnectServiceClient(channel), userId, sessionId, maxStatementDuration)
    {
        _ownedChannel = channel;
    }

    /// <summary>The named HttpClient the job registers for the channel (<see cref="AddSparkConnectHttpClient"/>).</summary>
    public const string HttpClientName = "spark-connect";

    /// <summary>
    /// The channel's client: service discovery and telemetry from the service defaults, no timeout (a statement
    /// runs as long as Spark needs; the caller's token bounds it) and no resilience handler (its retries would
    /// re-send statements that are not idempotent, its 10 s attempt timeout would cut them).
    /// </summary>
    public static IHttpClientBuilder AddSparkConnectHttpClient(IServiceCollection services) =>
        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(NewHandler);

    /// <summary>How long a connection with a statement running may stay silent before the client pings it.</summary>
    /// <remarks>
    /// Longer than the 5 minutes grpc-java's Netty server permits between a client's pings by default
    /// (<c>NettyServerBuilder.permitKeepAliveTime</c>; Spark's <c>SparkConnectService.startGRPCService</c> does not
    /// change it): more frequent pings are answered with GOAWAY <c>too_many_pings</c>, which would cut the statement.
    /// </remarks>
    public static readonly TimeSpan KeepAlivePingDelay = TimeSpan.FromMinutes(6);

    /// <summary>
    /// The channel's handler: HTTP/2 pings while a statement runs, so a connection that died without a word (a
    /// restarted proxy, a dropped NAT entry) fails the stream within <see cref="KeepAlivePingDelay"/> and 30 s and the
    /// statement is reattached, instead of waiting on it until the statement's time limit.
    /// </summary>
    public static SocketsHttpHandler NewHandler() => new()
    {
        KeepAlivePingDelay = KeepAlivePingDelay,
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
    };

    /// <summary>
    /// Opens a channel to <paramref name="connectionString"/> (h2c) for one new session, over <paramref name="http"/>
    /// when given (the registered client), else over a client of its own.
    /// </summary>
    public static SparkConnectSession Connect(
        SparkConnectionString connectionString, Guid? sessionId = null, HttpClient? http = null, TimeSpan? maxStatementDuration = null) =>
        new(GrpcChannel.ForAddress(connectionString.GrpcAddress, new GrpcChannelOptions
            {
                MaxReceiveMessageSize = 128 * 1024 * 1024,
                HttpClient = http,
                HttpHandler = http is null ? NewHandler() : null,
                DisposeHttpClient = http is null,
            }),
            connectionString.UserId, sessionId ?? Guid.NewGuid(), maxStatementDuration);

    public Guid SessionId { get; }

    /// <summary>Spark's version (AnalyzePlan spark_version): a cheap probe that the endpoint is ready.</summary>
    public async Task<string> SparkVersionAsync(CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity("spark_version");
        var request = new AnalyzePlanRequest
        {
            SessionId = SessionId.ToString(),
            UserContext = _user,
            ClientType = ClientType,
            SparkVersion = new AnalyzePlanRequest.Types.SparkVersion(),
        };

        try
        {
            var response = await _client.AnalyzePlanAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.ResultCase != AnalyzePlanResponse.ResultOneofCase.SparkVersion)
            {
                throw new SparkConnectException("spark_version", $"the server answered {response.ResultCase} instead of its version");
            }

            return response.SparkVersion.Version;
        }
        catch (RpcException ex)
        {
            throw Translate("spark_version", ex, activity, cancellationToken);
        }
    }

    /// <summary>Runs a command (DDL, INSERT) eagerly; returns the relation Spark answered with.</summary>
    public async Task<Relation> SqlAsync(SparkSql statement, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity(statement.Name);
        var result = await ExecuteAsync(statement.Name, SqlCommandPlan(statement.Text), activity, cancellationToken).ConfigureAwait(false);
        return result.CommandRelation
            ?? throw new SparkConnectException(statement.Name, "the server completed the command without a SqlCommandResult");
    }

    /// <summary>
    /// Runs a query: the SQL command returns a relation, which is executed as the plan's root and whose
    /// Arrow batches are decoded into rows.
    /// </summary>
    public async Task<SparkRows> QueryAsync(SparkSql query, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity(query.Name);
        var command = await ExecuteAsync(query.Name, SqlCommandPlan(query.Text), activity, cancellationToken).ConfigureAwait(false);
        var relation = command.CommandRelation
            ?? throw new SparkConnectException(query.Name, "the server completed the query without a SqlCommandResult");

        var result = await ExecuteAsync(query.Name, new Plan { Root = relation }, activity, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("db.response.returned_rows", result.Rows.Count);
        return new SparkRows(result.Columns ?? [], result.Rows);
    }

    /// <summary>Runs a DataFrameWriter save of the query's rows (Spark Connect WriteOperation).</summary>
    public async Task WriteAsync(SparkWrite write, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity(write.Name);
        activity?.SetTag("spark.write.format", write.Format);
        await ExecuteAsync(write.Name, WritePlan(write), activity, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _ownedChannel?.Dispose();

    internal static Plan SqlCommandPlan(string sql) =>
        new() { Command = new Command { SqlCommand = new SqlCommand { Sql = sql } } };

    internal static Plan WritePlan(SparkWrite write)
    {
        var operation = new WriteOperation
        {
            Input = new Relation { Sql = new SQL { Query = write.Query.Text } },
            Source = write.Format,
            Mode = write.Mode,
            PartitioningColumns = { write.PartitionColumns },
        };
        foreach (var (key, value) in write.Options)
        {
            operation.Options[key] = value;
        }

        if (write.Path is not null)
        {
            operation.Path = write.Path;
        }

        return new Plan { Command = new Command { WriteOperation = operation } };
    }

    internal ExecutePlanRequest ExecuteRequest(Plan plan, Guid operationId) => new()
    {
        SessionId = SessionId.ToString(),
        UserContext = _user,
        Plan = plan,
        ClientType = ClientType,
        OperationId = operationId.ToString(),
        RequestOptions =
        {
            new ExecutePlanRequest.Types.RequestOption { ReattachOptions = new ReattachOptions { Reattachable = true } },
        },
    };

    private async Task<ExecutionResult> ExecuteAsync(string name, Plan plan, Activity? activity, CancellationToken cancellationToken)
    {
        var operationId = Guid.NewGuid();
        activity?.SetTag("spark.operation_id", operationId.ToString());
        var result = new ExecutionResult();
        using var timeLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeLimit.CancelAfter(_maxStatementDuration);
        try
        {
            await RunToCompletionAsync(ExecuteRequest(plan, operationId), result, activity, timeLimit.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Spark keeps running a detached execution until it is released: stop it now.
            await ReleaseAsync(operationId).ConfigureAwait(false);
            if (Failure(name, operationId, ex, activity, cancellationToken, timeLimit.IsCancellationRequested) is { } failure)
            {
                throw failure;
            }

            throw;
        }

        // Lets the server drop the finished execution's buffered responses now rather than after its timeout.
        await ReleaseAsync(operationId).ConfigureAwait(false);
        return result;
    }

    /// <summary>Reads the execution's responses until ResultComplete, reattaching after every stream that ends or breaks before it.</summary>
    private async Task RunToCompletionAsync(ExecutePlanRequest request, ExecutionResult result, Activity? activity, CancellationToken cancellationToken)
    {
        var reattach = false;
        var retryDelay = FirstRetryDelay;
        while (true)
        {
            var responsesBefore = result.Responses;
            try
            {
                using var call = reattach
                    ? _client.ReattachExecute(ReattachRequest(request.OperationId, result.LastResponseId), cancellationToken: cancellationToken)
                    : _client.ExecutePlan(request, cancellationToken: cancellationToken);
                await ReadAsync(call.ResponseStream, result, cancellationToken).ConfigureAwait(false);
                if (result.Complete)
                {
                    return;
                }

                // A stream Spark ended before the result was complete: it caps each stream's duration and size.
                retryDelay = FirstRetryDelay;
            }
            catch (RpcException ex) when (IsTransportFailure(ex, cancellationToken))
            {
                activity?.AddEvent(new ActivityEvent("spark.stream_broken", tags: new ActivityTagsCollection { ["rpc.grpc.status_code"] = (int)ex.StatusCode }));
                if (result.Responses > responsesBefore)
                {
                    retryDelay = FirstRetryDelay;
                }

                await Task.Delay(retryDelay, cancellationToken).ConfigureAwait(false);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 4, MaxRetryDelay.Ticks));
            }
            catch (RpcException ex) when (reattach && result.Responses == 0 && IsSparkError(ex, "INVALID_HANDLE.OPERATION_NOT_FOUND"))
            {
                // The ExecutePlan whose stream broke never reached Spark: send it again, under the same operation id.
                reattach = false;
                continue;
            }

            reattach = true;
            activity?.AddEvent(new ActivityEvent("spark.reattach"));
        }
    }

    /// <summary>
    /// A failure of the connection rather than an answer from Spark: no error details, and a status a broken HTTP/2
    /// stream or an unreachable server gives (Unavailable, Internal, or Cancelled that this client did not ask for).
    /// </summary>
    private static bool IsTransportFailure(RpcException ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled
        && ex.Trailers.Get(StatusDetailsTrailer) is null;

    /// <summary>An error Spark raised (it carries details), of the given error class (Spark writes it first in the message, in brackets).</summary>
    private static bool IsSparkError(RpcException ex, string errorClass) =>
        ex.Trailers.Get(StatusDetailsTrailer) is not null && ex.Status.Detail.Contains($"[{errorClass}]", StringComparison.Ordinal);

    private static async Task ReadAsync(IAsyncStreamReader<ExecutePlanResponse> stream, ExecutionResult result, CancellationToken cancellationToken)
    {
        while (await stream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = stream.Current;
            result.Responses++;
            if (response.ResponseId.Length > 0)
            {
                result.LastResponseId = response.ResponseId;
            }

            switch (response.ResponseTypeCase)
            {
                case ExecutePlanResponse.ResponseTypeOneofCase.SqlCommandResult:
                    result.CommandRelation = response.SqlCommandResult.Relation;
                    break;
                case ExecutePlanResponse.ResponseTypeOneofCase.ArrowBatch:
                    var columns = ArrowBatchDecoder.Decode(response.ArrowBatch.Data.Memory, result.Rows);
                    result.Columns ??= columns;
                    break;
                case ExecutePlanResponse.ResponseTypeOneofCase.ResultComplete:
                    result.Complete = true;
                    return;
            }
        }
    }

    private ReattachExecuteRequest ReattachRequest(string operationId, string? lastResponseId)
    {
        var request = new ReattachExecuteRequest
        {
            SessionId = SessionId.ToString(),
            UserContext = _user,
            OperationId = operationId,
            ClientType = ClientType,
        };
        if (lastResponseId is not null)
        {
            request.LastResponseId = lastResponseId;
        }

        return request;
    }

    /// <summary>
    /// ReleaseExecute(ReleaseAll): frees a finished execution's responses, interrupts one that still runs. Best effort,
    /// within its own timeout: a server that cannot be told frees the execution after its detached timeout.
    /// </summary>
    private async Task ReleaseAsync(Guid operationId)
    {
        using var timeout = new CancellationTokenSource(ReleaseTimeout);
        try
        {
            await _client.ReleaseExecuteAsync(new ReleaseExecuteRequest
            {
                SessionId = SessionId.ToString(),
                UserContext = _user,
                OperationId = operationId.ToString(),
                ClientType = ClientType,
                ReleaseAll = new ReleaseExecuteRequest.Types.ReleaseAll(),
            }, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // Nothing more to do; the statement's own outcome is what the caller needs.
        }
    }

    /// <summary>What the caller sees of a statement that did not complete: cancelled, out of time, the server's error; null keeps the exception.</summary>
    private Exception? Failure(string name, Guid operationId, Exception ex, Activity? activity, CancellationToken cancellationToken, bool outOfTime)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Cancelled(name, ex, activity, cancellationToken);
        }

        if (outOfTime)
        {
            var timedOut = new SparkConnectException(name, string.Create(CultureInfo.InvariantCulture,
                $"operation {operationId} did not complete within {_maxStatementDuration} ({Spark.SparkEngineOptions.MaxStatementDurationSetting}); Spark was asked to stop it"), innerException: ex);
            activity?.SetStatus(ActivityStatusCode.Error, timedOut.ServerMessage);
            return timedOut;
        }

        if (ex is RpcException rpc)
        {
            return Translate(name, rpc, activity, cancellationToken);
        }

        activity?.SetStatus(ActivityStatusCode.Error, ex is SparkConnectException spark ? spark.ServerMessage : ex.Message);
        return null;
    }

    private Exception Translate(string name, RpcException ex, Activity? activity, CancellationToken cancellationToken)
    {
        if (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return Cancelled(name, ex, activity, cancellationToken);
        }

        var message = string.IsNullOrWhiteSpace(ex.Status.Detail) ? ex.StatusCode.ToString() : ex.Status.Detail;
        activity?.SetStatus(ActivityStatusCode.Error, message);
        return new SparkConnectException(name, message, ex.StatusCode, ex);
    }

    private static OperationCanceledException Cancelled(string name, Exception ex, Activity? activity, CancellationToken cancellationToken)
    {
        activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
        return new OperationCanceledException($"Spark statement '{name}' was cancelled.", ex, cancellationToken);
    }

    private Activity? StartActivity(string name)
    {
        var activity = JobTelemetry.Source.StartActivity($"spark {name}", ActivityKind.Client);
        activity?.SetTag("db.system.name", "spark");
        activity?.SetTag("db.operation.name", name);
        activity?.SetTag("spark.session_id", SessionId.ToString());
        return activity;
    }

    private sealed class ExecutionResult
    {
        public int Responses { get; set; }

        public string? LastResponseId { get; set; }

        public bool Complete { get; set; }

        public Relation? CommandRelation { get; set; }

        public IReadOnlyList<string>? Columns { get; set; }

        public List<object?[]> Rows { get; } = [];
    }
}
