using Grpc.Core;

namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>A statement Spark refused or failed, with the server's own message.</summary>
public sealed class SparkConnectException : Exception
{
    public SparkConnectException(string statement, string message, StatusCode? statusCode = null, Exception? innerException = null)
        : base($"Spark statement '{statement}' failed: {message}", innerException)
    {
        Statement = statement;
        ServerMessage = message;
        StatusCode = statusCode;
    }

    public SparkConnectException()
    {
        Statement = "";
        ServerMessage = "";
    }

    public SparkConnectException(string message) : base(message)
    {
        Statement = "";
        ServerMessage = message;
    }

    public SparkConnectException(string message, Exception innerException) : base(message, innerException)
    {
        Statement = "";
        ServerMessage = message;
    }

    /// <summary>The name of the statement that failed (see <see cref="SparkSql.Name"/>).</summary>
    public string Statement { get; }

    /// <summary>What the server said, as it said it.</summary>
    public string ServerMessage { get; }

    /// <summary>The gRPC status when the failure came as one; null for protocol violations.</summary>
    public StatusCode? StatusCode { get; }
}
