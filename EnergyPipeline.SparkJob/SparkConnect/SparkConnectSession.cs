using System.Diagnostics;
using EnergyPipeline.SparkJob.SparkConnect.Protocol;
using EnergyPipeline.SparkJob.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// One Spark Connect session: every statement runs under the same session id, so temporary views created by
/// one statement are visible to the next. Executions are reattachable: Spark then ends each result with
/// ResultComplete, and a stream the server closes early (it caps a stream's duration) is resumed with
/// ReattachExecute from the last response seen.
/// </summary>
public sealed class SparkConnectSession : IDisposable
{
    public const string ClientType = "EnergyPipeline.SparkJob/1.0 (.NET; Spark Connect over gRPC)";

    private readonly GrpcChannel? _ownedChannel;
    private readonly SparkConnectService.SparkConnectServiceClient _client;
    private readonly UserContext _user;
    private readonly int _maxReattachesWithoutProgress;

    public SparkConnectSession(SparkConnectService.SparkConnectServiceClient client, string userId, Guid sessionId, int maxReattachesWithoutProgress = 30)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxReattachesWithoutProgress);
        _client = client;
        _user = new UserContext { UserId = userId };
        SessionId = sessionId;
        _maxReattachesWithoutProgress = maxReattachesWithoutProgress;
    }

    private SparkConnectSession(GrpcChannel channel, string userId, Guid sessionId)
        : this(new SparkConnectService.SparkConnectServiceClient(channel), userId, sessionId)
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
        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Opens a channel to <paramref name="connectionString"/> (h2c) for one new session, over <paramref name="http"/>
    /// when given (the registered client), else over a client of its own.
    /// </summary>
    public static SparkConnectSession Connect(SparkConnectionString connectionString, Guid? sessionId = null, HttpClient? http = null) =>
        new(GrpcChannel.ForAddress(connectionString.GrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 128 * 1024 * 1024, HttpClient = http }),
            connectionString.UserId, sessionId ?? Guid.NewGuid());

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
        try
        {
            using (var call = _client.ExecutePlan(ExecuteRequest(plan, operationId), cancellationToken: cancellationToken))
            {
                await ReadAsync(call.ResponseStream, result, cancellationToken).ConfigureAwait(false);
            }

            var withoutProgress = 0;
            while (!result.Complete)
            {
                if (withoutProgress++ >= _maxReattachesWithoutProgress)
                {
                    throw new SparkConnectException(name,
                        $"the response stream of operation {operationId} ended without ResultComplete" +
                        (_maxReattachesWithoutProgress > 0 ? $" {_maxReattachesWithoutProgress + 1} times in a row" : ""));
                }

                var seen = result.Responses;
                activity?.AddEvent(new ActivityEvent("spark.reattach"));
                using var reattach = _client.ReattachExecute(ReattachRequest(operationId, result.LastResponseId), cancellationToken: cancellationToken);
                await ReadAsync(reattach.ResponseStream, result, cancellationToken).ConfigureAwait(false);
                if (result.Responses > seen)
                {
                    withoutProgress = 0;
                }
            }
        }
        catch (RpcException ex)
        {
            throw Translate(name, ex, activity, cancellationToken);
        }
        catch (SparkConnectException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.ServerMessage);
            throw;
        }

        await ReleaseAsync(operationId, cancellationToken).ConfigureAwait(false);
        return result;
    }

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

        // A clean end without ResultComplete: the caller reattaches, or gives up after too many empty rounds.
    }

    private ReattachExecuteRequest ReattachRequest(Guid operationId, string? lastResponseId)
    {
        var request = new ReattachExecuteRequest
        {
            SessionId = SessionId.ToString(),
            UserContext = _user,
            OperationId = operationId.ToString(),
            ClientType = ClientType,
        };
        if (lastResponseId is not null)
        {
            request.LastResponseId = lastResponseId;
        }

        return request;
    }

    // Lets the server drop the finished execution's buffered responses now rather than after its timeout.
    private async Task ReleaseAsync(Guid operationId, CancellationToken cancellationToken)
    {
        try
        {
            await _client.ReleaseExecuteAsync(new ReleaseExecuteRequest
            {
                SessionId = SessionId.ToString(),
                UserContext = _user,
                OperationId = operationId.ToString(),
                ClientType = ClientType,
                ReleaseAll = new ReleaseExecuteRequest.Types.ReleaseAll(),
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            // The result is already complete; a server that cannot release it frees it after its own timeout.
        }
    }

    private Exception Translate(string name, RpcException ex, Activity? activity, CancellationToken cancellationToken)
    {
        if (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
            return new OperationCanceledException($"Spark statement '{name}' was cancelled.", ex, cancellationToken);
        }

        var message = string.IsNullOrWhiteSpace(ex.Status.Detail) ? ex.StatusCode.ToString() : ex.Status.Detail;
        activity?.SetStatus(ActivityStatusCode.Error, message);
        return new SparkConnectException(name, message, ex.StatusCode, ex);
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
