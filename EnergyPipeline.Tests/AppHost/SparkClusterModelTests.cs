using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>The Spark and HDFS shapes of the container topology: local mode or a standalone cluster, and the datanode.</summary>
public sealed class SparkClusterModelTests
{
    [Fact]
    public async Task By_default_the_connect_server_runs_spark_in_local_mode_alone()
    {
        var model = AppModel.Build();

        Assert.DoesNotContain(model.Names, n => n.StartsWith("spark-master", StringComparison.Ordinal) || n.StartsWith("spark-worker", StringComparison.Ordinal));
        // No arguments: the image's CMD (start-connect.sh) with spark-defaults.conf's local[*] master.
        Assert.Empty(await AppModel.ArgumentsAsync(model.Resource("spark")));
    }

    [Fact]
    public async Task Workers_setting_declares_a_standalone_master_and_workers_with_the_connect_server_as_driver()
    {
        var model = AppModel.Build("--Pipeline:Spark:Workers=2");

        Assert.Equal(["spark", "spark-master", "spark-worker-1", "spark-worker-2"], model.Names.Where(n => n.StartsWith("spark", StringComparison.Ordinal) && n != "spark-job").Order(StringComparer.Ordinal));

        var sparkImage = model.Resource("spark").Annotations.OfType<DockerfileBuildAnnotation>().Single().ContextPath;
        foreach (var node in new[] { "spark-master", "spark-worker-1", "spark-worker-2" })
        {
            Assert.Equal(sparkImage, model.Resource(node).Annotations.OfType<DockerfileBuildAnnotation>().Single().ContextPath);
            Assert.Equal("spark", (await AppModel.EnvironmentAsync(model.Resource(node)))["HADOOP_USER_NAME"]);
            Assert.Contains(model.Resource(node).Annotations.OfType<HealthCheckAnnotation>(), _ => true);
        }

        Assert.Equal(
            ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master", "--host", "spark-master", "--port", "7077", "--webui-port", "8080"],
            await AppModel.ArgumentsAsync(model.Resource("spark-master")));
        Assert.Equal(
            ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.worker.Worker", "--host", "spark-worker-2", "--webui-port", "8081", "--work-dir", "/tmp/spark-work", "spark://spark-master:7077"],
            await AppModel.ArgumentsAsync(model.Resource("spark-worker-2")));
        Assert.Equal(
            ["/opt/spark/start-connect.sh", "--master", "spark://spark-master:7077", "--conf", "spark.driver.host=spark", "--conf", "spark.driver.bindAddress=0.0.0.0",
             "--conf", "spark.hadoop.dfs.replication=1"],
            await AppModel.ArgumentsAsync(model.Resource("spark")));

        Assert.Contains(("spark-master", WaitType.WaitUntilHealthy), AppModel.Waits(model.Resource("spark")));
        Assert.Contains(("spark-master", WaitType.WaitUntilHealthy), AppModel.Waits(model.Resource("spark-worker-1")));
    }

    [Fact]
    public async Task The_spark_ui_links_show_the_driver_the_master_and_every_worker()
    {
        var model = AppModel.Build("--Pipeline:Spark:Workers=2").AllocateEndpoints();

        Assert.Equal(4040, Endpoint(model.Resource("spark"), "ui").TargetPort);
        Assert.Equal(8080, Endpoint(model.Resource("spark-master"), "ui").TargetPort);
        Assert.Equal(7077, Endpoint(model.Resource("spark-master"), "rpc").TargetPort);
        Assert.Equal(8081, Endpoint(model.Resource("spark-worker-1"), "ui").TargetPort);
        Assert.Equal(8081, Endpoint(model.Resource("spark-worker-2"), "ui").TargetPort);
        Assert.Equal(["Spark UI"], await LinkTextsAsync(model, "spark"));
        Assert.Equal(["Spark master UI"], await LinkTextsAsync(model, "spark-master"));
        Assert.Equal(["Spark worker 1 UI"], await LinkTextsAsync(model, "spark-worker-1"));
        Assert.Equal(["Spark worker 2 UI"], await LinkTextsAsync(model, "spark-worker-2"));
    }

    [Fact]
    public void An_existing_spark_ignores_the_workers_setting()
    {
        var model = AppModel.Build("--Pipeline:Spark:Workers=3", "--ConnectionStrings:spark=sc://spark.example:15002");

        Assert.DoesNotContain(model.Names, n => n.StartsWith("spark-master", StringComparison.Ordinal) || n.StartsWith("spark-worker", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData("65")]
    public void A_workers_value_that_is_not_a_count_is_refused(string value)
    {
        var error = Assert.Throws<DistributedApplicationException>(() => AppModel.Build($"--Pipeline:Spark:Workers={value}"));

        Assert.Contains("Pipeline:Spark:Workers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_datanode_has_its_web_endpoint_and_health_check()
    {
        var datanode = AppModel.Build().Resource("datanode");

        Assert.Equal(9864, Endpoint(datanode, "http").TargetPort);
        Assert.Contains(datanode.Annotations.OfType<HealthCheckAnnotation>(), _ => true);
    }

    // The links shown in the resource list (the RPC and Connect endpoints are on the details page only).
    private static async Task<IEnumerable<string?>> LinkTextsAsync(AppModel model, string resource) =>
        (await AppModel.UrlsAsync(model.Resource(resource))).Where(u => u.DisplayLocation == UrlDisplayLocation.SummaryAndDetails).Select(u => u.DisplayText);

    private static EndpointAnnotation Endpoint(IResource resource, string name) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name);
}
