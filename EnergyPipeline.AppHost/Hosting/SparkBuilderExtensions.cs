using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Spark with the Connect server, built from <c>containers/spark</c>.</summary>
public static class SparkBuilderExtensions
{
    /// <summary>The user Spark acts as towards HDFS (permissions are off, but the name shows in the file listing).</summary>
    internal const string HadoopUser = "spark";

    internal const string ImageName = "energypipeline/spark-connect";
    internal const string ImageTag = "3.5.1";

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
}
