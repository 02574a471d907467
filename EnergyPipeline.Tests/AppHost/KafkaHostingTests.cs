using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>The Kafka hosting integration in the shape of Aspire.Hosting.Kafka, on builders of its own.</summary>
public sealed class KafkaHostingTests
{
    [Fact]
    public void Kafka_has_the_official_endpoints_and_connection_properties()
    {
        var builder = Builder();
        var kafka = builder.AddKafka("kafka", port: 19092).WithZookeeper().Resource;

        var primary = Endpoint(kafka, "tcp");
        Assert.Equal(9092, primary.TargetPort);
        Assert.Equal(19092, primary.Port);
        Assert.Equal(29092, Endpoint(kafka, "internal").TargetPort);
        Assert.Same(kafka, kafka.PrimaryEndpoint.Resource);
        Assert.Equal("tcp", kafka.PrimaryEndpoint.EndpointName);
        Assert.Equal("internal", kafka.InternalEndpoint.EndpointName);
        Assert.Equal(["Host", "Port"], ((IResourceWithConnectionString)kafka).GetConnectionProperties().Select(p => p.Key));
    }

    [Fact]
    public async Task Connection_properties_are_the_allocated_host_and_port()
    {
        var builder = Builder();
        var kafka = builder.AddKafka("kafka").Resource;
        var endpoint = Endpoint(kafka, "tcp");
        endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", 45123);
        var properties = ((IResourceWithConnectionString)kafka).GetConnectionProperties().ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("localhost", await properties["Host"].GetValueAsync(TestContext.Current.CancellationToken));
        Assert.Equal("45123", await properties["Port"].GetValueAsync(TestContext.Current.CancellationToken));
        Assert.Equal("localhost:45123", await kafka.ConnectionStringExpression.GetValueAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Zookeeper_is_attached_and_waited_for()
    {
        var builder = Builder();
        var kafka = builder.AddKafka("kafka").WithZookeeper(containerName: "zk").Resource;
        var zookeeper = Assert.Single(builder.Resources.OfType<ZookeeperResource>());

        Assert.Equal("zk", zookeeper.Name);
        Assert.Contains(("zk", WaitType.WaitUntilHealthy), AppModel.Waits(kafka));
        Assert.Equal("zk:2181", (await RunEnvironmentAsync(builder, kafka))["KAFKA_ZOOKEEPER_CONNECT"]);
        var image = zookeeper.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal((KafkaContainerImageTags.ZookeeperImage, KafkaContainerImageTags.ZookeeperTag, KafkaContainerImageTags.Registry), (image.Image, image.Tag, image.Registry));
    }

    [Fact]
    public async Task One_read_only_kafka_ui_serves_every_broker_through_its_internal_listener()
    {
        var builder = Builder();
        builder.AddKafka("kafka1").WithKafkaUI();
        builder.AddKafka("kafka2").WithKafkaUI(ui => ui.WithHostPort(18080));
        builder.AddKafka("kafka3");

        var ui = Assert.Single(builder.Resources.OfType<KafkaUIContainerResource>());
        var env = await RunEnvironmentAsync(builder, ui);

        Assert.Equal("kafka-ui", ui.Name);
        Assert.Equal(["kafka1", "kafka2", "kafka3"], [env["KAFKA_CLUSTERS_0_NAME"], env["KAFKA_CLUSTERS_1_NAME"], env["KAFKA_CLUSTERS_2_NAME"]]);
        Assert.Equal("kafka1:29092", env["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"]);
        Assert.Equal("kafka3:29092", env["KAFKA_CLUSTERS_2_BOOTSTRAPSERVERS"]);
        Assert.Equal(["true", "true", "true"], [env["KAFKA_CLUSTERS_0_READONLY"], env["KAFKA_CLUSTERS_1_READONLY"], env["KAFKA_CLUSTERS_2_READONLY"]]);
        Assert.Equal(18080, Endpoint(ui, "http").Port);
        Assert.Equal(8080, Endpoint(ui, "http").TargetPort);
        var image = ui.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal((KafkaContainerImageTags.KafkaUiImage, KafkaContainerImageTags.KafkaUiTag), (image.Image, image.Tag));
        Assert.True(ui.TryGetAnnotationsOfType<ManifestPublishingCallbackAnnotation>(out _), "the UI is a development tool, not part of a deployment");
    }

    [Fact]
    public void Kafka_ui_takes_its_container_name()
    {
        var builder = Builder();
        builder.AddKafka("kafka").WithKafkaUI(containerName: "broker-ui");

        Assert.Equal("broker-ui", Assert.Single(builder.Resources.OfType<KafkaUIContainerResource>()).Name);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_data_volume_keeps_kafka_and_its_zookeeper_together_whatever_the_call_order(bool volumeFirst)
    {
        var builder = Builder();
        var kafka = builder.AddKafka("kafka");
        kafka = volumeFirst ? kafka.WithDataVolume("energy").WithZookeeper() : kafka.WithZookeeper().WithDataVolume("energy");
        var zookeeper = Assert.Single(builder.Resources.OfType<ZookeeperResource>());

        Assert.Equal([("energy", "/var/lib/kafka/data")], Mounts(kafka.Resource, ContainerMountType.Volume));
        Assert.Equal("/var/lib/kafka/data", (await RunEnvironmentAsync(builder, kafka.Resource))["KAFKA_LOG_DIRS"]);
        Assert.Equal(
            [("energy-zookeeper-data", "/var/lib/zookeeper/data"), ("energy-zookeeper-log", "/var/lib/zookeeper/log")],
            Mounts(zookeeper, ContainerMountType.Volume));
    }

    [Fact]
    public void A_data_bind_mount_puts_zookeeper_beside_the_broker_directory()
    {
        var builder = Builder();
        var kafka = builder.AddKafka("kafka").WithZookeeper().WithDataBindMount("/srv/kafka");
        var zookeeper = Assert.Single(builder.Resources.OfType<ZookeeperResource>());

        Assert.Equal([("/srv/kafka", "/var/lib/kafka/data")], Mounts(kafka.Resource, ContainerMountType.BindMount));
        Assert.Equal(
            [("/srv/kafka-zookeeper/data", "/var/lib/zookeeper/data"), ("/srv/kafka-zookeeper/log", "/var/lib/zookeeper/log")],
            Mounts(zookeeper, ContainerMountType.BindMount));
    }

    [Fact]
    public void Arguments_are_guarded()
    {
        var builder = Builder();

        Assert.Throws<ArgumentNullException>(() => ((IDistributedApplicationBuilder)null!).AddKafka("kafka"));
        Assert.Throws<ArgumentException>(() => builder.AddKafka(string.Empty));
        Assert.Throws<ArgumentNullException>(() => ((IResourceBuilder<KafkaServerResource>)null!).WithKafkaUI());
        Assert.Throws<ArgumentNullException>(() => ((IResourceBuilder<KafkaServerResource>)null!).WithZookeeper());
        Assert.Throws<ArgumentException>(() => builder.AddKafka("kafka").WithDataBindMount(""));
        var kafka = builder.AddKafka("kafka2").WithZookeeper(containerName: "zk2");
        Assert.Throws<InvalidOperationException>(() => kafka.WithZookeeper(containerName: "zk3"));
    }

    [Fact]
    public async Task Publish_mode_advertises_what_a_deployed_service_can_reach()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = ["--publisher", "manifest", "--output-path", Path.Combine(Path.GetTempPath(), "unused.json")],
            DisableDashboard = true,
        });
        var kafka = builder.AddKafka("kafka").WithZookeeper().Resource;

        var env = await PublishEnvironmentAsync(kafka);

        Assert.Equal(
            "PLAINTEXT://{kafka.bindings.internal.host}:{kafka.bindings.internal.port},PLAINTEXT_HOST://{kafka.bindings.tcp.host}:{kafka.bindings.tcp.port}",
            env["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.DoesNotContain("localhost", env["KAFKA_ADVERTISED_LISTENERS"], StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyDictionary<string, string>> PublishEnvironmentAsync(IResource resource)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish),
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TestContext.Current.CancellationToken);
        return result.Exception is { } exception ? throw exception : result.EnvironmentVariables.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>Run-mode environment, with fake allocated ports as DCP would give them.</summary>
    private static Task<IReadOnlyDictionary<string, string>> RunEnvironmentAsync(IDistributedApplicationBuilder builder, IResource resource)
    {
        var port = 42000;
        foreach (var endpoint in builder.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
        {
            endpoint.AllocatedEndpoint ??= new AllocatedEndpoint(endpoint, "localhost", port++);
        }

        return AppModel.EnvironmentAsync(resource);
    }

    private static IDistributedApplicationBuilder Builder() =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });

    private static EndpointAnnotation Endpoint(IResource resource, string name) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name);

    private static List<(string? Source, string Target)> Mounts(IResource resource, ContainerMountType type) =>
        resource.Annotations.OfType<ContainerMountAnnotation>().Where(m => m.Type == type).Select(m => (m.Source, m.Target)).OrderBy(m => m.Target, StringComparer.Ordinal).ToList();
}

/// <summary>HDFS persistence: the namenode and its datanode together.</summary>
public sealed class HdfsDataTests
{
    [Fact]
    public async Task A_data_volume_keeps_the_namespace_and_the_blocks_together()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });
        var namenode = builder.AddHdfs("namenode").WithDataVolume("hdfs");
        var datanode = builder.Resources.OfType<ContainerResource>().Single(r => r.Name == "datanode");

        Assert.Equal([("hdfs", "/data")], Volumes(namenode.Resource));
        Assert.Equal([("hdfs-datanode", "/data")], Volumes(datanode));
        var namenodeEnv = await AppModel.EnvironmentAsync(namenode.Resource);
        Assert.Equal("/data/name", namenodeEnv["HDFS-SITE.XML_dfs.namenode.name.dir"]);
        Assert.Equal("/data/name", namenodeEnv["ENSURE_NAMENODE_DIR"]);
        Assert.Equal("/data/blocks", (await AppModel.EnvironmentAsync(datanode))["HDFS-SITE.XML_dfs.datanode.data.dir"]);
    }

    [Fact]
    public void A_bind_mount_gives_each_node_its_own_directory()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });
        var namenode = builder.AddHdfs("namenode").WithDataBindMount("/srv/hdfs");
        var datanode = builder.Resources.OfType<ContainerResource>().Single(r => r.Name == "datanode");

        Assert.Equal("/srv/hdfs/namenode", namenode.Resource.Annotations.OfType<ContainerMountAnnotation>().Single().Source);
        Assert.Equal("/srv/hdfs/datanode", datanode.Annotations.OfType<ContainerMountAnnotation>().Single().Source);
    }

    private static List<(string? Source, string Target)> Volumes(IResource resource) =>
        resource.Annotations.OfType<ContainerMountAnnotation>().Where(m => m.Type == ContainerMountType.Volume).Select(m => (m.Source, m.Target)).ToList();
}
