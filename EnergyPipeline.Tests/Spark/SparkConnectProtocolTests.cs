using System.Text;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.SparkConnect.Protocol;
using Google.Protobuf;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// The bytes on the wire against encodings written by hand from apache/spark's .proto field numbers.
/// A tag byte is (field number &lt;&lt; 3) | wire type: 0x0A = field 1 length-delimited, 0x08 = field 1 varint,
/// 0x52 = field 10 length-delimited, 0x6A = field 13, 0x72 = field 14.
/// </summary>
public sealed class SparkConnectProtocolTests
{
    private const string Session = "00000000-0000-0000-0000-00000000000a";
    private const string Operation = "00000000-0000-0000-0000-00000000000b";

    [Fact]
    public void Sql_command_request_matches_the_hand_built_encoding()
    {
        using var session = new SparkConnectSession(new SparkConnectService.SparkConnectServiceClient(new NoCallInvoker()), "u", Guid.Parse(Session));

        var bytes = session.ExecuteRequest(SparkConnectSession.SqlCommandPlan("SELECT 1"), Guid.Parse(Operation)).ToByteArray();

        byte[] sqlCommand = [0x0A, 0x08, .. Ascii("SELECT 1")];                 // SqlCommand.sql = 1
        byte[] command = [0x2A, (byte)sqlCommand.Length, .. sqlCommand];        // Command.sql_command = 5
        byte[] plan = [0x12, (byte)command.Length, .. command];                 // Plan.command = 2
        byte[] clientType = Ascii(SparkConnectSession.ClientType);
        byte[] expected =
        [
            0x0A, 36, .. Ascii(Session),                                        // session_id = 1
            0x12, 0x03, 0x0A, 0x01, (byte)'u',                                  // user_context = 2 { user_id = 1 }
            0x1A, (byte)plan.Length, .. plan,                                   // plan = 3
            0x22, (byte)clientType.Length, .. clientType,                       // client_type = 4
            0x2A, 0x04, 0x0A, 0x02, 0x08, 0x01,                                 // request_options = 5 { reattach_options = 1 { reattachable = true } }
            0x32, 36, .. Ascii(Operation),                                      // operation_id = 6
        ];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Relation_root_request_carries_the_sql_relation_in_field_one_of_the_plan()
    {
        var plan = new Plan { Root = new Relation { Sql = new SQL { Query = "SELECT 2" } } };

        byte[] sql = [0x0A, 0x08, .. Ascii("SELECT 2")];                        // SQL.query = 1
        byte[] relation = [0x52, (byte)sql.Length, .. sql];                     // Relation.sql = 10
        byte[] expected = [0x0A, (byte)relation.Length, .. relation];          // Plan.root = 1
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(plan.ToByteArray()));
    }

    [Fact]
    public void Write_operation_matches_the_hand_built_encoding()
    {
        var write = new SparkWrite(new SparkSql("w", "SELECT 1"), "parquet", "hdfs://nn:8020/raw", ["year", "quarter"]);

        var bytes = SparkConnectSession.WritePlan(write).ToByteArray();

        byte[] sql = [0x0A, 0x08, .. Ascii("SELECT 1")];
        byte[] relation = [0x52, (byte)sql.Length, .. sql];
        byte[] operation =
        [
            0x0A, (byte)relation.Length, .. relation,                           // input = 1
            0x12, 0x07, .. Ascii("parquet"),                                    // source = 2
            0x1A, 0x12, .. Ascii("hdfs://nn:8020/raw"),                         // path = 3
            0x28, 0x02,                                                         // mode = 5: SAVE_MODE_OVERWRITE = 2
            0x3A, 0x04, .. Ascii("year"),                                       // partitioning_columns = 7
            0x3A, 0x07, .. Ascii("quarter"),
        ];
        byte[] command = [0x12, (byte)operation.Length, .. operation];          // Command.write_operation = 2
        byte[] expected = [0x12, (byte)command.Length, .. command];             // Plan.command = 2
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Response_with_arrow_batch_metrics_and_unknown_fields_decodes()
    {
        var arrow = ArrowTestData.Offsets((0, 0, 9, 10));
        byte[] batch = [0x08, 0x01, 0x12, .. Varint(arrow.Length), .. arrow];  // row_count = 1, data = 2
        byte[] metricValue = [0x0A, 0x01, (byte)'n', 0x10, 0x07];               // MetricValue { name = 1, value = 2 }
        byte[] entry = [0x0A, 0x01, (byte)'k', 0x12, (byte)metricValue.Length, .. metricValue]; // map entry key = 1, value = 2
        byte[] metricObject = [0x0A, 0x01, (byte)'m', 0x22, (byte)entry.Length, .. entry];       // name = 1, execution_metrics = 4
        byte[] metrics = [0x0A, (byte)metricObject.Length, .. metricObject];   // Metrics.metrics = 1
        byte[] observed = [0x0A, 0x03, .. Ascii("obs")];                       // ObservedMetrics (not modelled)
        byte[] wire =
        [
            0x0A, 0x01, (byte)'s',                                              // session_id = 1
            0x12, .. Varint(batch.Length), .. batch,                            // arrow_batch = 2
            0x22, (byte)metrics.Length, .. metrics,                             // metrics = 4
            0x32, (byte)observed.Length, .. observed,                           // observed_metrics = 6 (unknown here)
            0x62, 0x02, .. Ascii("op"),                                         // operation_id = 12
            0x6A, 0x02, .. Ascii("r1"),                                         // response_id = 13
            0x7A, 0x03, .. Ascii("sss"),                                        // server_side_session_id = 15 (4.x, unknown here)
        ];

        var response = ExecutePlanResponse.Parser.ParseFrom(wire);

        Assert.Equal("s", response.SessionId);
        Assert.Equal("op", response.OperationId);
        Assert.Equal("r1", response.ResponseId);
        Assert.Equal(ExecutePlanResponse.ResponseTypeOneofCase.ArrowBatch, response.ResponseTypeCase);
        Assert.Equal(1, response.ArrowBatch.RowCount);
        Assert.Equal(7, response.Metrics.Metrics_[0].ExecutionMetrics["k"].Value);
        var rows = new List<object?[]>();
        var columns = ArrowBatchDecoder.Decode(response.ArrowBatch.Data.Memory, rows);
        Assert.Equal(["kafka_partition", "min_offset", "max_offset", "records"], columns);
        Assert.Equal([0, 0L, 9L, 10L], rows.Single());
        // Unknown fields survive a round trip, so a relation the server returns can be sent back unchanged: the
        // re-encoded message decodes equal (unknown fields included) and still carries the unknown fields' bytes.
        var reencoded = response.ToByteArray();
        Assert.Equal(response, ExecutePlanResponse.Parser.ParseFrom(reencoded));
        Assert.Equal(wire.Order(), reencoded.Order());
        byte[] sessionField = [0x7A, 0x03, .. Ascii("sss")];
        byte[] observedField = [0x32, (byte)observed.Length, .. observed];
        Assert.True(reencoded.AsSpan().IndexOf(sessionField) >= 0, "server_side_session_id (15) was dropped");
        Assert.True(reencoded.AsSpan().IndexOf(observedField) >= 0, "observed_metrics (6) was dropped");
    }

    [Fact]
    public void Result_complete_and_sql_command_result_decode()
    {
        byte[] complete = [0x0A, 0x01, (byte)'s', 0x72, 0x00];                  // result_complete = 14, empty
        Assert.Equal(ExecutePlanResponse.ResponseTypeOneofCase.ResultComplete, ExecutePlanResponse.Parser.ParseFrom(complete).ResponseTypeCase);

        byte[] common = [0x10, 0x05];                                           // RelationCommon.plan_id = 2 (varint)
        byte[] sql = [0x0A, 0x01, (byte)'q', 0x12, 0x00];                       // SQL.query = 1, args = 2 (3.5 map; unknown here)
        byte[] relation = [0x0A, (byte)common.Length, .. common, 0x52, (byte)sql.Length, .. sql];
        byte[] result = [0x0A, (byte)relation.Length, .. relation];            // SqlCommandResult.relation = 1
        byte[] wire = [0x2A, (byte)result.Length, .. result];                   // sql_command_result = 5

        var response = ExecutePlanResponse.Parser.ParseFrom(wire);

        Assert.Equal("q", response.SqlCommandResult.Relation.Sql.Query);
        Assert.Equal(5, response.SqlCommandResult.Relation.Common.PlanId);
        Assert.Equal(Convert.ToHexString(relation), Convert.ToHexString(response.SqlCommandResult.Relation.ToByteArray()));
    }

    [Fact]
    public void Analyze_response_with_spark_version_decodes()
    {
        byte[] version = [0x0A, 0x05, .. Ascii("3.5.1")];                      // SparkVersion.version = 1
        byte[] wire = [0x0A, 0x01, (byte)'s', 0x42, (byte)version.Length, .. version]; // spark_version = 8

        Assert.Equal("3.5.1", AnalyzePlanResponse.Parser.ParseFrom(wire).SparkVersion.Version);
    }

    [Fact]
    public void Arrow_batch_with_decimals_dates_timestamps_and_nulls_decodes_to_dotnet_values()
    {
        var rows = new List<object?[]>();

        var columns = ArrowBatchDecoder.Decode(ArrowTestData.MixedTypes(), rows);

        Assert.Equal(["energy", "name", "quarter", "first_reading_at", "processed_at"], columns);
        Assert.Equal(2, rows.Count);
        Assert.Equal(1234567.891m, rows[0][0]);
        Assert.Equal("2007Q1", rows[0][1]);
        Assert.Equal(new DateOnly(2007, 1, 1), rows[0][2]);
        Assert.Equal(new DateTime(2006, 12, 16, 17, 24, 0), rows[0][3]);
        Assert.Equal(new DateTimeOffset(2010, 11, 26, 21, 2, 0, TimeSpan.Zero), rows[0][4]);
        Assert.Null(rows[1][0]);
        Assert.Null(rows[1][1]);
        Assert.Null(rows[1][3]);
    }

    internal static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    internal static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return [.. bytes];
    }

    private sealed class NoCallInvoker : Grpc.Core.CallInvoker
    {
        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options, TRequest request) => throw new NotSupportedException();

        public override Grpc.Core.AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options, TRequest request) => throw new NotSupportedException();

        public override Grpc.Core.AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options, TRequest request) => throw new NotSupportedException();

        public override Grpc.Core.AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options) => throw new NotSupportedException();

        public override Grpc.Core.AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options) => throw new NotSupportedException();
    }
}
