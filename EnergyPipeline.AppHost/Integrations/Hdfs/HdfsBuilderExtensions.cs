using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>A one-namenode, one-datanode HDFS from the apache/hadoop image, configured through its env-to-XML entrypoint.</summary>
public static class HdfsBuilderExtensions
{
    internal const string HadoopImage = "apache/hadoop";
    internal const string HadoopTag = "3.4.1";
    internal const string NameDirectory = "/tmp/hadoop-hadoop/dfs/name";

    public static IResourceBuilder<HdfsNameNodeResource> AddHdfs(this IDistributedApplicationBuilder builder, string name)
    {
        var resource = new HdfsNameNodeResource(name);
        var webEndpoint = resource.GetEndpoint(HdfsNameNodeResource.WebEndpointName);
        Uri? webAddress = null;
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (_, _) =>
        {
            webAddress = new Uri(webEndpoint.Url, UriKind.Absolute);
            return Task.CompletedTask;
        });
        // One check for the application's life, owning its HttpClient (the health check service disposes nothing).
        var healthCheckKey = $"{name}_takes_writes_check";
        builder.Services.AddKeyedSingleton(healthCheckKey, (_, _) => new HdfsNameNodeHealthCheck(() => webAddress));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, sp => sp.GetRequiredKeyedService<HdfsNameNodeHealthCheck>(healthCheckKey), failureStatus: default, tags: default));

        var namenode = builder.AddResource(resource)
            .WithImage(HadoopImage, HadoopTag)
            .WithArgs("hdfs", "namenode")
            .WithHadoopConfiguration(name)
            .WithEnvironment("ENSURE_NAMENODE_DIR", NameDirectory)
            .WithEndpoint(targetPort: HdfsNameNodeResource.RpcPort, name: HdfsNameNodeResource.RpcEndpointName)
            .WithHttpEndpoint(targetPort: HdfsNameNodeResource.WebPort, name: HdfsNameNodeResource.WebEndpointName)
            .WithUrlForEndpoint(HdfsNameNodeResource.WebEndpointName, url => url.DisplayText = "HDFS UI")
            // Healthy once it takes writes (a live datanode, out of safe mode): what the file system's users wait for.
            .WithHealthCheck(healthCheckKey);

        var datanode = builder.AddContainer("datanode", HadoopImage, HadoopTag)
            .WithArgs("hdfs", "datanode")
            .WithHadoopConfiguration(name)
            .WithHttpEndpoint(targetPort: HdfsNameNodeResource.DataNodeWebPort, name: HdfsNameNodeResource.WebEndpointName)
            .WithUrlForEndpoint(HdfsNameNodeResource.WebEndpointName, url => url.DisplayText = "Datanode UI")
            // The datanode's web server (dfs.datanode.http.address, 0.0.0.0:9864 by default) answers once it runs.
            .WithHttpHealthCheck("/", endpointName: HdfsNameNodeResource.WebEndpointName)
            .WithParentRelationship(namenode)
            // Started, not healthy: the namenode becomes healthy only once this datanode has registered with it.
            .WaitForStart(namenode);
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
            .WithEnvironment("HDFS-SITE.XML_dfs.replication", HdfsNameNodeResource.Replication.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("HDFS-SITE.XML_dfs.permissions.enabled", "false")
            .WithEnvironment("HDFS-SITE.XML_dfs.namenode.datanode.registration.ip-hostname-check", "false");
    }
}
