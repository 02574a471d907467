using System.Text.Json;
using Aspire.Hosting;
using EnergyPipeline.AppHost;
using EnergyPipeline.AppHost.Pipeline;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The deployment manifest of the whole model (what <c>--publisher manifest</c> writes). Every consumer of it is a
/// deployed service that reaches the others by resource name, so nothing in it may say localhost.
/// </summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task The_manifest_wires_kafka_spark_hdfs_and_postgres_by_resource_name()
    {
        var manifest = await PublishAsync();
        var resources = manifest.RootElement.GetProperty("resources");

        Assert.DoesNotContain("localhost", manifest.RootElement.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var kafka = resources.GetProperty("kafka");
        Assert.Equal($"{KafkaContainerImageTags.Registry}/{KafkaContainerImageTags.Image}:{KafkaContainerImageTags.Tag}", kafka.GetProperty("image").GetString());
        Assert.Equal("{kafka.bindings.tcp.host}:{kafka.bindings.tcp.port}", kafka.GetProperty("connectionString").GetString());
        Assert.Equal(
            "PLAINTEXT://{kafka.bindings.internal.host}:{kafka.bindings.internal.port},PLAINTEXT_HOST://{kafka.bindings.tcp.host}:{kafka.bindings.tcp.port}",
            Env(kafka, "KAFKA_ADVERTISED_LISTENERS"));
        Assert.Equal("PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9092", Env(kafka, "KAFKA_LISTENERS"));
        Assert.Equal(9092, kafka.GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());
        Assert.Equal(29092, kafka.GetProperty("bindings").GetProperty("internal").GetProperty("targetPort").GetInt32());
        Assert.Equal("zookeeper:2181", Env(kafka, "KAFKA_ZOOKEEPER_CONNECT"));
        Assert.True(resources.TryGetProperty("zookeeper", out _));
        Assert.False(resources.TryGetProperty("kafka-ui", out _), "the UI is a development tool");

        Assert.Equal("hdfs://namenode:8020", resources.GetProperty("namenode").GetProperty("connectionString").GetString());
        Assert.Equal(8020, resources.GetProperty("namenode").GetProperty("bindings").GetProperty("rpc").GetProperty("targetPort").GetInt32());
        Assert.Equal("hdfs://namenode:8020", Env(resources.GetProperty("datanode"), "CORE-SITE.XML_fs.defaultFS"));
        Assert.Equal("sc://{spark.bindings.connect.host}:{spark.bindings.connect.port}", resources.GetProperty("spark").GetProperty("connectionString").GetString());
        Assert.Contains("Host={postgres.bindings.tcp.host};Port={postgres.bindings.tcp.port}",
            resources.GetProperty("postgres").GetProperty("connectionString").GetString(), StringComparison.Ordinal);

        var job = resources.GetProperty("spark-job");
        Assert.Equal("{kafka.connectionString}", Env(job, "ConnectionStrings__kafka"));
        Assert.Equal("{spark.connectionString}", Env(job, "ConnectionStrings__spark"));
        Assert.Equal("{namenode.connectionString}", Env(job, "ConnectionStrings__hdfs"));
        Assert.Equal("{energy-db.connectionString}", Env(job, "ConnectionStrings__energy_db"));
        Assert.Equal("kafka:{kafka.bindings.internal.targetPort}", Env(job, "Pipeline__Spark__KafkaBootstrapServers"));
        Assert.Equal("postgres:5432", Env(job, "Pipeline__Spark__PostgresAddress"));
        Assert.Equal("{kafka.connectionString}", Env(resources.GetProperty("ingestor"), "ConnectionStrings__kafka"));
    }

    [Fact]
    public async Task Secrets_are_parameters_and_none_of_their_values_is_in_the_manifest()
    {
        string[] secrets = ["postgres-password", "completion-key", "grafana-admin-password", "grafana-reader-password", "pgweb-reader-password"];
        var values = secrets.ToDictionary(s => s, s => $"{s}-value-{Guid.NewGuid():N}");

        var manifest = await PublishAsync([.. values.Select(v => $"--Parameters:{v.Key}={v.Value}")]);
        var text = manifest.RootElement.GetRawText();
        var resources = manifest.RootElement.GetProperty("resources");

        Assert.All(values.Values, value => Assert.DoesNotContain(value, text, StringComparison.Ordinal));
        var declared = resources.EnumerateObject()
            .Where(r => r.Value.GetProperty("type").GetString() == "parameter.v0")
            .Where(r => r.Value.GetProperty("inputs").GetProperty("value").TryGetProperty("secret", out var secret) && secret.GetBoolean())
            .Select(r => r.Name);
        Assert.Subset(declared.ToHashSet(), secrets.ToHashSet());
        Assert.Equal("{completion-key.value}", Env(resources.GetProperty("ingestor"), "Pipeline__CompletionKey"));
        Assert.Equal("{completion-key.value}", Env(resources.GetProperty("spark-job"), "Pipeline__CompletionKey"));
    }

    private static async Task<JsonDocument> PublishAsync(params string[] args)
    {
        var directory = Directory.CreateTempSubdirectory("manifest-");
        try
        {
            var path = Path.Combine(directory.FullName, "manifest.json");
            var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
            {
                Args = ["--publisher", "manifest", "--output-path", path, .. args],
                DisableDashboard = true,
            });
            EnergyPipelineModel.Build(builder, PipelineShape.Resolve(builder.Configuration, builder.ExecutionContext.IsRunMode));
            await using (var app = builder.Build())
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                timeout.CancelAfter(TimeSpan.FromMinutes(2));
                await app.RunAsync(timeout.Token);
            }

            return JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string? Env(JsonElement resource, string name) => resource.GetProperty("env").GetProperty(name).GetString();
}
