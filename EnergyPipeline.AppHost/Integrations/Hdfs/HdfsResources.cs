namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The HDFS namenode. Its connection string is the container-network URI (<c>hdfs://namenode:8020</c>): data moves
/// between Spark and the datanode inside that network, and host processes only hand the URI on.
/// </summary>
public sealed class HdfsNameNodeResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    internal const string RpcEndpointName = "rpc";
    internal const string WebEndpointName = "http";
    internal const int RpcPort = 8020;
    internal const int WebPort = 9870;
    internal const int DataNodeWebPort = 9864;

    /// <summary>Copies of each block: one, the datanodes there are.</summary>
    internal const int Replication = 1;

    /// <summary>
    /// The datanode beside this namenode, kept together with it (<see cref="HdfsDataExtensions"/>); the namenode is healthy
    /// only once a datanode has registered, so users of the file system wait for the namenode alone.
    /// </summary>
    public ContainerResource? DataNode { get; internal set; }

    public string DefaultFileSystem => $"hdfs://{Name}:{RpcPort}";

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{DefaultFileSystem}");
}
