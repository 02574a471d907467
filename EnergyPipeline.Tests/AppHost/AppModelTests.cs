using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.LocalInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EnergyPipeline.Tests.AppHost;

public sealed class AppModelTests
{
    private static readonly string[] LocalWithExistingServices =
    [
        "--Pipeline:Engine=local",
        "--ConnectionStrings:kafka=127.0.0.1:9092",
        "--ConnectionStrings:energy_db=Host=db.example;Database=energy_db;Username=energy",
    ];

    [Fact]
    public void Default_model_declares_the_whole_topology()
    {
        var model = AppModel.Build();

        Assert.Equal(
            ["completion-key", "datanode", "energy-db", "grafana", "grafana-admin-password", "grafana-reader-password", "ingestor", "kafka", "kafka-ui",
                "namenode", "pgweb", "pgweb-reader-password", "postgres", "postgres-password", "spark", "spark-job", "zookeeper"],
            model.Names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("zookeeper", KafkaContainerImageTags.ZookeeperImage, KafkaContainerImageTags.ZookeeperTag)]
    [InlineData("kafka", KafkaContainerImageTags.Image, KafkaContainerImageTags.Tag)]
    [InlineData("kafka-ui", KafkaContainerImageTags.KafkaUiImage, KafkaContainerImageTags.KafkaUiTag)]
    [InlineData("namenode", "apache/hadoop", "3.4.1")]
    [InlineData("datanode", "apache/hadoop", "3.4.1")]
    public void Infrastructure_images_are_pinned(string resource, string image, string tag)
    {
        var annotation = AppModel.Build().Resource(resource).Annotations.OfType<ContainerImageAnnotation>().Single();

        Assert.Equal(image, annotation.Image);
        Assert.Equal(tag, annotation.Tag);
    }

    [Fact]
    public void Spark_is_built_from_the_repository_dockerfile()
    {
        var build = AppModel.Build().Resource("spark").Annotations.OfType<DockerfileBuildAnnotation>().Single();

        Assert.Equal(Path.Combine("containers", "spark"), Path.GetRelativePath(Path.GetFullPath(Path.Combine(build.ContextPath, "..", "..")), build.ContextPath));
        Assert.EndsWith("Dockerfile", build.DockerfilePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kafka_has_explicit_listeners_and_advertises_the_allocated_host_port()
    {
        var model = AppModel.Build().AllocateEndpoints();
        var kafka = model.Resource<KafkaServerResource>("kafka");
        var hostPort = AppModel.AllocatedPort(kafka, "tcp");

        var env = await AppModel.EnvironmentAsync(kafka);

        Assert.Equal("PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9092", env["KAFKA_LISTENERS"]);
        Assert.Equal($"PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:{hostPort}", env["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.Equal("PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT", env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]);
        Assert.Equal("PLAINTEXT", env["KAFKA_INTER_BROKER_LISTENER_NAME"]);
        Assert.Equal("zookeeper:2181", env["KAFKA_ZOOKEEPER_CONNECT"]);
        Assert.Equal("1", env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
        Assert.Equal("1", env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]);
        Assert.Equal($"localhost:{hostPort}", await kafka.ConnectionStringExpression.GetValueAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Kafka_waits_for_zookeeper_and_has_a_broker_health_check()
    {
        var kafka = AppModel.Build().Resource("kafka");

        Assert.Contains(("zookeeper", WaitType.WaitUntilHealthy), AppModel.Waits(kafka));
        Assert.Contains(kafka.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key == "kafka_check");
    }

    [Fact]
    public async Task Zookeeper_listens_on_its_client_port()
    {
        var zookeeper = AppModel.Build().Resource("zookeeper");

        var env = await AppModel.EnvironmentAsync(zookeeper);

        Assert.Equal("2181", env["ZOOKEEPER_CLIENT_PORT"]);
        Assert.Equal(2181, zookeeper.Annotations.OfType<EndpointAnnotation>().Single().TargetPort);
    }

    [Theory]
    [InlineData("namenode")]
    [InlineData("datanode")]
    public async Task Hdfs_nodes_share_one_configuration(string node)
    {
        var env = await AppModel.EnvironmentAsync(AppModel.Build().Resource(node));

        Assert.Equal("hdfs://namenode:8020", env["CORE-SITE.XML_fs.defaultFS"]);
        Assert.Equal("1", env["HDFS-SITE.XML_dfs.replication"]);
        Assert.Equal("false", env["HDFS-SITE.XML_dfs.permissions.enabled"]);
        Assert.Equal("false", env["HDFS-SITE.XML_dfs.namenode.datanode.registration.ip-hostname-check"]);
    }

    [Fact]
    public void Web_uis_are_linked_on_the_dashboard()
    {
        var model = AppModel.Build();

        Assert.Equal(9870, Endpoint(model.Resource("namenode"), "http").TargetPort);
        Assert.Equal(4040, Endpoint(model.Resource("spark"), "ui").TargetPort);
        Assert.Equal(15002, Endpoint(model.Resource("spark"), "connect").TargetPort);
        Assert.Equal(8080, Endpoint(model.Resource("kafka-ui"), "http").TargetPort);
        // Each UI's resource has one health check, and its key names a check registered with the host.
        using var services = model.Builder.Services.BuildServiceProvider();
        var registered = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>>()
            .Value.Registrations.Select(r => r.Name).ToList();
        foreach (var resource in new[] { "namenode", "spark" })
        {
            Assert.Contains(Assert.Single(model.Resource(resource).Annotations.OfType<HealthCheckAnnotation>()).Key, registered);
        }
    }

    [Fact]
    public async Task Spark_may_write_to_hdfs_as_a_named_user()
    {
        var env = await AppModel.EnvironmentAsync(AppModel.Build().Resource("spark"));

        Assert.False(string.IsNullOrEmpty(env["HADOOP_USER_NAME"]));
    }

    [Fact]
    public void Postgres_password_is_a_secret_parameter_and_data_is_kept_in_a_volume()
    {
        var model = AppModel.Build();
        var password = model.Resource<ParameterResource>("postgres-password");
        var postgres = model.Resource<PostgresServerResource>("postgres");

        Assert.True(password.Secret);
        Assert.Same(password, postgres.PasswordParameter);
        Assert.Contains(postgres.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.Volume);
        Assert.Equal("energy_db", model.Resource<PostgresDatabaseResource>("energy-db").DatabaseName);
    }

    [Fact]
    public void Services_wait_for_what_they_use_and_the_job_for_the_ingestion()
    {
        var model = AppModel.Build();

        Assert.Contains(("kafka", WaitType.WaitUntilHealthy), AppModel.Waits(model.Resource("ingestor")));
        Assert.Equal(
            [("energy-db", WaitType.WaitUntilHealthy), ("ingestor", WaitType.WaitForCompletion), ("kafka", WaitType.WaitUntilHealthy),
             ("namenode", WaitType.WaitUntilHealthy), ("postgres", WaitType.WaitUntilHealthy), ("spark", WaitType.WaitUntilHealthy)],
            AppModel.Waits(model.Resource("spark-job")).Order());
    }

    [Fact]
    public async Task Job_gets_every_connection_string_and_the_in_network_addresses_for_spark()
    {
        var model = AppModel.Build().AllocateEndpoints();

        var env = await AppModel.EnvironmentAsync(model.Resource("spark-job"));

        Assert.Equal("spark", env["Pipeline__Engine"]);
        Assert.Equal($"localhost:{AppModel.AllocatedPort(model.Resource("kafka"), "tcp")}", env["ConnectionStrings__kafka"]);
        Assert.Equal($"sc://localhost:{AppModel.AllocatedPort(model.Resource("spark"), "connect")}", env["ConnectionStrings__spark"]);
        Assert.Equal("hdfs://namenode:8020", env["ConnectionStrings__hdfs"]);
        Assert.Contains("Database=energy_db", env["ConnectionStrings__energy_db"], StringComparison.Ordinal);
        Assert.Equal("kafka:29092", env["Pipeline__Spark__KafkaBootstrapServers"]);
        Assert.Equal("postgres:5432", env["Pipeline__Spark__PostgresAddress"]);
    }

    [Fact]
    public async Task Ingestor_gets_kafka_and_the_data_directory()
    {
        var model = AppModel.Build().AllocateEndpoints();

        var env = await AppModel.EnvironmentAsync(model.Resource("ingestor"));

        Assert.Equal($"localhost:{AppModel.AllocatedPort(model.Resource("kafka"), "tcp")}", env["ConnectionStrings__kafka"]);
        Assert.EndsWith("data", env["Ingestor__DataDirectory"], StringComparison.Ordinal);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("ConnectionStrings__energy_db", StringComparison.Ordinal));
    }

    [Fact]
    public void Local_engine_needs_neither_spark_nor_hdfs()
    {
        var model = AppModel.Build("--Pipeline:Engine=local");

        Assert.DoesNotContain("spark", model.Names);
        Assert.DoesNotContain("namenode", model.Names);
        Assert.DoesNotContain("datanode", model.Names);
        Assert.Contains("kafka", model.Names);
        Assert.Contains("postgres", model.Names);
    }

    [Fact]
    public async Task Configured_connection_strings_replace_the_containers()
    {
        var model = AppModel.Build(LocalWithExistingServices);

        Assert.Empty(model.Builder.Resources.OfType<ContainerResource>());
        var env = await AppModel.EnvironmentAsync(model.Resource("spark-job"));
        Assert.Equal("127.0.0.1:9092", env["ConnectionStrings__kafka"]);
        Assert.Equal("Host=db.example;Database=energy_db;Username=energy", env["ConnectionStrings__energy_db"]);
        Assert.Equal("local", env["Pipeline__Engine"]);
    }

    [Fact]
    public async Task Existing_spark_and_hdfs_replace_their_containers_for_the_spark_engine()
    {
        var model = AppModel.Build("--ConnectionStrings:spark=sc://spark.example:15002", "--ConnectionStrings:hdfs=hdfs://nn.example:8020").AllocateEndpoints();

        Assert.DoesNotContain(model.Builder.Resources.OfType<ContainerResource>(), r => r.Name is "spark" or "namenode" or "datanode");
        var env = await AppModel.EnvironmentAsync(model.Resource("spark-job"));
        Assert.Equal("sc://spark.example:15002", env["ConnectionStrings__spark"]);
        Assert.Equal("hdfs://nn.example:8020", env["ConnectionStrings__hdfs"]);
    }

    [Fact]
    public void An_existing_kafka_needs_no_zookeeper()
    {
        var model = AppModel.Build("--ConnectionStrings:kafka=broker.example:9092");

        Assert.DoesNotContain("zookeeper", model.Names);
        Assert.DoesNotContain("kafka-ui", model.Names);
    }

    [Fact]
    public void An_unknown_engine_is_refused_with_the_choices()
    {
        var error = Assert.Throws<EnergyPipeline.AppHost.Pipeline.PipelineConfigurationException>(() => AppModel.Build("--Pipeline:Engine=flink"));

        Assert.Contains("'spark' or 'local'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dashboard_commands_run_the_pipeline_again_and_the_job_on_either_engine()
    {
        var model = AppModel.Build();

        Assert.Contains(model.Resource("ingestor").Annotations.OfType<ResourceCommandAnnotation>(), c => c.Name == "run-pipeline");
        Assert.Equal(
            ["run-job-local", "run-job-spark"],
            model.Resource("spark-job").Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name).Where(n => n.StartsWith("run-job-", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public void Without_spark_in_the_model_only_the_local_engine_is_offered()
    {
        var model = AppModel.Build("--Pipeline:Engine=local");

        Assert.Equal(
            ["run-job-local"],
            model.Resource("spark-job").Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name).Where(n => n.StartsWith("run-job-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_explicit_file_is_handed_to_the_ingestor()
    {
        var model = AppModel.Build("--Ingestor:File=/tmp/readings.txt").AllocateEndpoints();

        var env = await AppModel.EnvironmentAsync(model.Resource("ingestor"));

        Assert.Equal("/tmp/readings.txt", env["Ingestor__File"]);
    }

    /// <summary>
    /// Aspire shows "No trusted development certificate" on every dashboard page of a machine without a trusted one
    /// as soon as one resource uses TLS: an https endpoint, or an HTTPS certificate configuration (every project gets
    /// one) that is not switched off (dotnet/aspire src/Aspire.Hosting/Dcp/DcpHost.cs, ResourceUsesTls). Nothing in
    /// this model serves HTTPS.
    /// </summary>
    [Theory]
    [InlineData("containers")]
    [InlineData("embedded")]
#pragma warning disable ASPIRECERTIFICATES001 // the certificate annotations are experimental in Aspire 13
    public void No_resource_asks_for_the_development_certificate(string infrastructure)
    {
        Assert.SkipWhen(infrastructure == "embedded" && PostgresBinaries.Find() is null, "no PostgreSQL server binaries on this machine");
        var model = AppModel.Build($"--Pipeline:Infrastructure={infrastructure}");

        Assert.Contains(model.Resource("ingestor").Annotations, a => a is HttpsCertificateConfigurationCallbackAnnotation);
        Assert.All(model.Builder.Resources, resource =>
        {
            Assert.DoesNotContain(resource.Annotations.OfType<EndpointAnnotation>(), e => e.UriScheme == "https");
            if (resource.Annotations.OfType<HttpsCertificateConfigurationCallbackAnnotation>().Any())
            {
                var certificate = resource.Annotations.OfType<HttpsCertificateAnnotation>().LastOrDefault();
                Assert.True(certificate is { UseDeveloperCertificate: false, Certificate: null }, $"{resource.Name} would use the development certificate");
            }
        });
    }
#pragma warning restore ASPIRECERTIFICATES001

    private static EndpointAnnotation Endpoint(IResource resource, string name) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name);
}
