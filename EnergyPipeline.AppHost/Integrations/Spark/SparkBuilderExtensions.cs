using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Spark with the Connect server, built from <c>containers/spark</c>.</summary>
public static class SparkBuilderExtensions
{
    /// <summary>The user Spark acts as towards HDFS (permissions are off, but the name shows in the file listing).</summary>
    internal const string HadoopUser = "spark";

    internal const string ImageName = "energypipeline/spark-connect";
    internal const string ImageTag = "3.5.1";

    internal const int MasterPort = 7077;
    internal const int MasterUiPort = 8080;
    internal const int WorkerUiPort = 8081;
    internal const string MasterRpcEndpointName = "rpc";
    internal const string WebUiEndpointName = "ui";
    private const string SparkClass = "/opt/spark/bin/spark-class";
    private const string StartConnect = "/opt/spark/start-connect.sh";

    public static IResourceBuilder<SparkConnectResource> AddSparkConnect(
        this IDistributedApplicationBuilder builder, string name, string contextPath)
    {
        return builder.AddResource(new SparkConnectResource(name))
            // The image is built locally from containers/spark; the name and tag only label the build.
            .WithImage(ImageName, ImageTag)
            .WithDockerfile(contextPath)
            .WithEndpoint(targetPort: SparkConnectResource.ConnectPort, name: SparkConnectResource.ConnectEndpointName, scheme: "http")
            .WithHttpEndpoint(targetPort: SparkConnectResource.UiPort, name: SparkConnectResource.UiEndpointName)
            .WithUrlForEndpoint(SparkConnectResource.UiEndpointName, url => url.DisplayText = "Spark UI")
            .WithUrlForEndpoint(SparkConnectResource.ConnectEndpointName, url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
            .WithEnvironment("HADOOP_USER_NAME", HadoopUser)
            // The UI answers once the Connect server's SparkContext is up.
            .WithHttpHealthCheck("/", endpointName: SparkConnectResource.UiEndpointName);
    }

    /// <summary>
    /// With <paramref name="workers"/> &gt; 0: a Spark standalone master and that many workers from the same image,
    /// and the Connect server as the driver of an application on them (client mode: executors on the workers
    /// connect back to the driver at the Connect container's network alias). With 0 the Connect server keeps its
    /// image default, local mode in one JVM.
    /// </summary>
    public static IResourceBuilder<SparkConnectResource> WithStandaloneCluster(
        this IResourceBuilder<SparkConnectResource> connect, int workers, string contextPath)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        if (workers == 0)
        {
            return connect;
        }

        var builder = connect.ApplicationBuilder;
        var masterName = $"{connect.Resource.Name}-master";
        var masterUrl = string.Create(CultureInfo.InvariantCulture, $"spark://{masterName}:{MasterPort}");
        var master = SparkNode(builder, masterName, contextPath)
            .WithArgs(SparkClass, "org.apache.spark.deploy.master.Master",
                "--host", masterName, "--port", MasterPort.ToString(CultureInfo.InvariantCulture),
                "--webui-port", MasterUiPort.ToString(CultureInfo.InvariantCulture))
            .WithEndpoint(targetPort: MasterPort, name: MasterRpcEndpointName)
            .WithHttpEndpoint(targetPort: MasterUiPort, name: WebUiEndpointName)
            .WithUrlForEndpoint(WebUiEndpointName, url => url.DisplayText = "Spark master UI")
            .WithUrlForEndpoint(MasterRpcEndpointName, url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
            .WithHttpHealthCheck("/", endpointName: WebUiEndpointName);

        for (var i = 1; i <= workers; i++)
        {
            var workerName = string.Create(CultureInfo.InvariantCulture, $"{connect.Resource.Name}-worker-{i}");
            var uiText = string.Create(CultureInfo.InvariantCulture, $"Spark worker {i} UI");
            SparkNode(builder, workerName, contextPath)
                .WithArgs(SparkClass, "org.apache.spark.deploy.worker.Worker",
                    "--host", workerName, "--webui-port", WorkerUiPort.ToString(CultureInfo.InvariantCulture),
                    "--work-dir", "/tmp/spark-work", masterUrl)
                .WithHttpEndpoint(targetPort: WorkerUiPort, name: WebUiEndpointName)
                .WithUrlForEndpoint(WebUiEndpointName, url => url.DisplayText = uiText)
                .WithHttpHealthCheck("/", endpointName: WebUiEndpointName)
                .WithParentRelationship(master)
                .WaitFor(master);
        }

        return connect
            .WithArgs(StartConnect, "--master", masterUrl,
                "--conf", $"spark.driver.host={connect.Resource.Name}",
                "--conf", "spark.driver.bindAddress=0.0.0.0",
                // As in the image's defaults, said where the cluster is assembled: the executors write what HDFS can replicate.
                "--conf", string.Create(CultureInfo.InvariantCulture, $"spark.hadoop.dfs.replication={HdfsNameNodeResource.Replication}"))
            .WaitFor(master);
    }

    // Master and workers: the Connect image, so every node has the same Spark, connectors and JDBC driver.
    private static IResourceBuilder<ContainerResource> SparkNode(IDistributedApplicationBuilder builder, string name, string contextPath) =>
        builder.AddContainer(name, ImageName, ImageTag)
            .WithDockerfile(contextPath)
            .WithEnvironment("HADOOP_USER_NAME", HadoopUser);
}
