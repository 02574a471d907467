using System.Collections.Concurrent;
using System.Net;
using EnergyPipeline.SparkJob.SparkConnect.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// A real gRPC server (Kestrel, HTTP/2 cleartext on 127.0.0.1) implementing SparkConnectService from the same
/// protocol definitions as the client. Each test scripts its answers; every request is recorded as it arrived.
/// It checks the client's handling of the protocol, not Spark.
/// </summary>
internal sealed class FakeSparkConnectServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeSparkConnectServer(WebApplication app, ScriptedService service, Uri address)
    {
        _app = app;
        Service = service;
        Address = address;
    }

    public ScriptedService Service { get; }

    public Uri Address { get; }

    public string ConnectionString => $"sc://{Address.Host}:{Address.Port}/;user_id=tester";

    public static async Task<FakeSparkConnectServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var service = new ScriptedService();
        builder.Services.AddSingleton(service);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<ScriptedService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeSparkConnectServer(app, service, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    internal delegate Task ExecuteHandler(ExecutePlanRequest request, IServerStreamWriter<ExecutePlanResponse> responses, ServerCallContext context);

    internal delegate Task ReattachHandler(ReattachExecuteRequest request, IServerStreamWriter<ExecutePlanResponse> responses, ServerCallContext context);

    internal sealed class ScriptedService : SparkConnectService.SparkConnectServiceBase
    {
        public ConcurrentQueue<ExecutePlanRequest> ExecuteRequests { get; } = new();

        public ConcurrentQueue<ReattachExecuteRequest> ReattachRequests { get; } = new();

        public ConcurrentQueue<ReleaseExecuteRequest> ReleaseRequests { get; } = new();

        public ConcurrentQueue<AnalyzePlanRequest> AnalyzeRequests { get; } = new();

        /// <summary>Raw bytes of every request, in arrival order, as the server received them.</summary>
        public ConcurrentQueue<byte[]> RequestBytes { get; } = new();

        public ExecuteHandler OnExecute { get; set; } = CompleteCommand;

        /// <summary>By default the server knows no operation to reattach to, as Spark answers for one it never received.</summary>
        public ReattachHandler OnReattach { get; set; } = (request, _, _) => throw OperationNotFound(request.OperationId);

        public string Version { get; set; } = "3.5.1";

        public TaskCompletionSource ServerSawCancellation { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task ExecutePlan(ExecutePlanRequest request, IServerStreamWriter<ExecutePlanResponse> responseStream, ServerCallContext context)
        {
            ExecuteRequests.Enqueue(request);
            RequestBytes.Enqueue(request.ToByteArray());
            context.CancellationToken.Register(() => ServerSawCancellation.TrySetResult());
            return OnExecute(request, responseStream, context);
        }

        public override Task ReattachExecute(ReattachExecuteRequest request, IServerStreamWriter<ExecutePlanResponse> responseStream, ServerCallContext context)
        {
            ReattachRequests.Enqueue(request);
            RequestBytes.Enqueue(request.ToByteArray());
            return OnReattach(request, responseStream, context);
        }

        public override Task<ReleaseExecuteResponse> ReleaseExecute(ReleaseExecuteRequest request, ServerCallContext context)
        {
            ReleaseRequests.Enqueue(request);
            RequestBytes.Enqueue(request.ToByteArray());
            return Task.FromResult(new ReleaseExecuteResponse { SessionId = request.SessionId, OperationId = request.OperationId });
        }

        public override Task<AnalyzePlanResponse> AnalyzePlan(AnalyzePlanRequest request, ServerCallContext context)
        {
            AnalyzeRequests.Enqueue(request);
            RequestBytes.Enqueue(request.ToByteArray());
            return Task.FromResult(new AnalyzePlanResponse
            {
                SessionId = request.SessionId,
                SparkVersion = new AnalyzePlanResponse.Types.SparkVersion { Version = Version },
            });
        }

        /// <summary>What Spark answers to an eager command: a SqlCommandResult, then ResultComplete.</summary>
        public static async Task CompleteCommand(ExecutePlanRequest request, IServerStreamWriter<ExecutePlanResponse> responses, ServerCallContext context)
        {
            await responses.WriteAsync(Response(request, new ExecutePlanResponse
            {
                SqlCommandResult = new ExecutePlanResponse.Types.SqlCommandResult
                {
                    Relation = new Relation { LocalRelation = new LocalRelation() },
                },
            }));
            await responses.WriteAsync(Response(request, new ExecutePlanResponse { ResultComplete = new ExecutePlanResponse.Types.ResultComplete() }));
        }

        /// <summary>
        /// An error as Spark sends it (ErrorUtils.buildStatusFromThrowable): status INTERNAL with the message, and the same
        /// status as a google.rpc.Status carrying a google.rpc.ErrorInfo detail in the grpc-status-details-bin trailer.
        /// </summary>
        public static RpcException SparkError(string message, string exceptionClass = "org.apache.spark.sql.AnalysisException")
        {
            var errorInfo = Encode(output =>
            {
                output.WriteTag(1, WireFormat.WireType.LengthDelimited); // reason
                output.WriteString(exceptionClass);
                output.WriteTag(2, WireFormat.WireType.LengthDelimited); // domain
                output.WriteString("org.apache.spark");
            });
            var detail = new Google.Protobuf.WellKnownTypes.Any { TypeUrl = "type.googleapis.com/google.rpc.ErrorInfo", Value = ByteString.CopyFrom(errorInfo) };
            var status = Encode(output =>
            {
                output.WriteTag(1, WireFormat.WireType.Varint); // code
                output.WriteInt32((int)StatusCode.Internal);
                output.WriteTag(2, WireFormat.WireType.LengthDelimited); // message
                output.WriteString(message);
                output.WriteTag(3, WireFormat.WireType.LengthDelimited); // details
                output.WriteMessage(detail);
            });
            return new RpcException(new Status(StatusCode.Internal, message), new Metadata { { "grpc-status-details-bin", status } });
        }

        /// <summary>What Spark answers to a ReattachExecute for an operation it does not have.</summary>
        public static RpcException OperationNotFound(string operationId) => SparkError(
            $"[INVALID_HANDLE.OPERATION_NOT_FOUND] The handle {operationId} is invalid. Operation not found.", "org.apache.spark.SparkSQLException");

        /// <summary>Breaks the call's HTTP/2 stream (RST_STREAM), as a proxy or a lost connection does: no gRPC status reaches the client.</summary>
        public static void BreakStream(ServerCallContext context) => context.GetHttpContext().Abort();

        private static byte[] Encode(Action<CodedOutputStream> write)
        {
            using var buffer = new MemoryStream();
            var output = new CodedOutputStream(buffer);
            write(output);
            output.Flush();
            return buffer.ToArray();
        }

        public static ExecutePlanResponse Response(ExecutePlanRequest request, ExecutePlanResponse response)
        {
            response.SessionId = request.SessionId;
            response.OperationId = request.OperationId;
            if (response.ResponseId.Length == 0)
            {
                response.ResponseId = Guid.NewGuid().ToString();
            }

            return response;
        }
    }
}
