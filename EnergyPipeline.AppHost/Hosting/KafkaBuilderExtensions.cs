using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.ServiceDefaults.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Zookeeper-mode Kafka in the style of Aspire.Hosting.Kafka (not served here): swapping that package in later
/// replaces these methods, not the AppHost.
/// </summary>
public static class KafkaBuilderExtensions
{
    internal const string ConfluentRegistry = "docker.io";
    internal const string ConfluentTag = "7.5.0";
    internal const string ZookeeperImage = "confluentinc/cp-zookeeper";
    internal const string KafkaImage = "confluentinc/cp-kafka";
    internal const string KafkaUiImage = "provectuslabs/kafka-ui";
    internal const string KafkaUiTag = "v0.7.2";

    public static IResourceBuilder<ZookeeperResource> AddZookeeper(this IDistributedApplicationBuilder builder, string name)
    {
        return builder.AddResource(new ZookeeperResource(name))
            .WithImage(ZookeeperImage, ConfluentTag)
            .WithImageRegistry(ConfluentRegistry)
            .WithEndpoint(targetPort: ZookeeperResource.ClientPort, name: ZookeeperResource.ClientEndpointName)
            .WithEnvironment("ZOOKEEPER_CLIENT_PORT", ZookeeperResource.ClientPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("ZOOKEEPER_TICK_TIME", "2000");
    }

    public static IResourceBuilder<KafkaServerResource> AddKafka(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ZookeeperResource> zookeeper, int? port = null)
    {
        var kafka = new KafkaServerResource(name);

        string? bootstrapServers = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka, async (_, ct) =>
            bootstrapServers = await kafka.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false));

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new KafkaHealthCheck(() => bootstrapServers, TimeSpan.FromSeconds(5)),
            failureStatus: default,
            tags: default));

        return builder.AddResource(kafka)
            .WithImage(KafkaImage, ConfluentTag)
            .WithImageRegistry(ConfluentRegistry)
            .WithEndpoint(port: port, targetPort: KafkaServerResource.HostListenerPort, name: KafkaServerResource.PrimaryEndpointName)
            .WithEndpoint(targetPort: KafkaServerResource.ContainerListenerPort, name: KafkaServerResource.InternalEndpointName)
            .WithEnvironment("KAFKA_BROKER_ID", "1")
            .WithEnvironment("KAFKA_ZOOKEEPER_CONNECT", zookeeper.Resource.ContainerNetworkAddress)
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT")
            .WithEnvironment("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
            // Set explicitly: the image otherwise derives the listeners from the advertised host port, which is wrong.
            .WithEnvironment("KAFKA_LISTENERS", string.Create(CultureInfo.InvariantCulture,
                $"PLAINTEXT://0.0.0.0:{KafkaServerResource.ContainerListenerPort},PLAINTEXT_HOST://0.0.0.0:{KafkaServerResource.HostListenerPort}"))
            .WithEnvironment(context =>
            {
                // Host processes reach the broker through the port Aspire allocated, so that is what it must advertise.
                context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                    $"PLAINTEXT://{kafka.ContainerNetworkBootstrapServers},PLAINTEXT_HOST://localhost:{kafka.PrimaryEndpoint.Property(EndpointProperty.Port)}");
            })
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .WithEnvironment("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            .WithHealthCheck(healthCheckKey)
            .WaitFor(zookeeper);
    }

    /// <summary>Adds Kafka UI (provectuslabs/kafka-ui), connected through the container listener.</summary>
    public static IResourceBuilder<KafkaServerResource> WithKafkaUI(this IResourceBuilder<KafkaServerResource> kafka)
    {
        kafka.ApplicationBuilder.AddContainer($"{kafka.Resource.Name}-ui", KafkaUiImage, KafkaUiTag)
            .WithHttpEndpoint(targetPort: 8080, name: "http")
            .WithEnvironment("KAFKA_CLUSTERS_0_NAME", kafka.Resource.Name)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS", kafka.Resource.ContainerNetworkBootstrapServers)
            .WithUrlForEndpoint("http", url => url.DisplayText = "Kafka UI")
            .WithParentRelationship(kafka)
            .WaitFor(kafka);
        return kafka;
    }
}
