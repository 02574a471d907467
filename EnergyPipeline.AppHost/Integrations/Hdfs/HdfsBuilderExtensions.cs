using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>A one-namenode, one-datanode HDFS from the apache/hadoop image, configured through its env-to-XML entrypoint.</summary>
public static class HdfsBuilderExtensions
{
    internal const string HadoopImage = "apache/hadoop";
    internal const string HadoopTag = "3.4.1";
    internal const string NameDirectory = "/tmp/hadoop-hadoop/dfs/name";

    public static IResourceBuilder<HdfsNameNodeResource> AddHdfs(this IDistributedApplicationBuilder builder, string name)
    {
        var namenode = builder.AddResource(new HdfsNameNodeResource(name))
            .WithImage(HadoopImage, HadoopTag)
            .WithArgs("hdfs", "namenode")
            .WithHadoopConfiguration(name)
            .WithEnvironment("ENSURE_NAMENODE_DIR", NameDirectory)
            .WithEndpoint(targetPort: HdfsNameNodeResource.RpcPort, name: HdfsNameNodeResource.RpcEndpointName)
            .WithHttpEndpoint(targetPort: HdfsNameNodeResource.WebPort, name: HdfsNameNodeResource.WebEndpointName)
            .WithUrlForEndpoint(HdfsNameNodeResource.WebEndpointName, url => url.DisplayText = "HDFS UI")
            .WithHttpHealthCheck("/", endpointName: HdfsNameNodeResource.WebEndpointName);

        var datanode = builder.AddContainer("datanode", HadoopImage, HadoopTag)
            .WithArgs("hdfs", "datanode")
            .WithHadoopConfiguration(name)
            .WithHttpEndpoint(targetPort: HdfsNameNodeResource.DataNodeWebPort, name: HdfsNameNodeResource.WebEndpointName)
            .WithUrlForEndpoint(HdfsNameNodeResource.WebEndpointName, url => url.DisplayText = "Datanode UI")
            // The datanode's web server (dfs.datanode.http.address, 0.0.0.0:9864 by default) answers once it runs.
            .WithHttpHealthCheck("/", endpointName: HdfsNameNodeResource.WebEndpointName)
            .WithParentRelationship(namenode)
            .WaitFor(namenode);
        namenode.Resource.DataNode = datanode.Resource;

        return namenode;
    }

    private static IResourceBuilder<T> WithHadoopConfiguration<T>(this IResourceBuilder<T> resource, string namenode)
        where T : ContainerResource
    {
        var rpcAddress = string.Create(CultureInfo.InvariantCulture, $"{namenode}:{HdfsNameNodeResource.RpcPort}");
        return resource
            .WithEnvironment("CORE-SITE.XML_fs.defaultFS", "hdfs://" + rpcAddress)
            .WithEnvironment("HDFS-SITE.XML_dfs.namenode.rpc-address", rpcAddress)
            .WithEnvironment("HDFS-SITE.XML_dfs.replication", "1")
            .WithEnvironment("HDFS-SITE.XML_dfs.permissions.enabled", "false")
            .WithEnvironment("HDFS-SITE.XML_dfs.namenode.datanode.registration.ip-hostname-check", "false");
    }
}
