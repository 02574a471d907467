using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Utils;
using EnergyPipeline.ServiceDefaults.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Kafka in the shape of Aspire.Hosting.Kafka (not served here), in Zookeeper mode: <c>AddKafka(name, port)</c>
/// with the official signature, Zookeeper attached by <see cref="WithZookeeper"/>. Adding the official package
/// later means deleting these files and the <c>WithZookeeper</c> call (its image runs KRaft).
/// </summary>
public static class KafkaBuilderExtensions
{
    private const string KafkaDataTarget = "/var/lib/kafka/data";
    private const int KafkaUiPort = 8080;
    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(5);

    public static IResourceBuilder<KafkaServerResource> AddKafka(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var kafka = new KafkaServerResource(name);

        string? bootstrapServers = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka, async (_, ct) =>
            bootstrapServers = await kafka.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false));

        // One check instance for the application's life, owning its admin client: the health check service calls the
        // registration's factory on every run and disposes nothing it returns, so a factory that builds a check per
        // call leaks a librdkafka client every 30 s.
        var healthCheckKey = $"{name}_check";
        builder.Services.AddKeyedSingleton(healthCheckKey, (_, _) => new KafkaHealthCheck(() => bootstrapServers, HealthCheckTimeout));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, sp => sp.GetRequiredKeyedService<KafkaHealthCheck>(healthCheckKey), failureStatus: default, tags: default));

        return builder.AddResource(kafka)
            .WithImage(KafkaContainerImageTags.Image, KafkaContainerImageTags.Tag)
            .WithImageRegistry(KafkaContainerImageTags.Registry)
            .WithEndpoint(port: port, targetPort: KafkaServerResource.PrimaryTargetPort, name: KafkaServerResource.PrimaryEndpointName)
            .WithEndpoint(targetPort: KafkaServerResource.InternalTargetPort, name: KafkaServerResource.InternalEndpointName)
            .WithEnvironment("KAFKA_BROKER_ID", "1")
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT")
            .WithEnvironment("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
            // Set explicitly: the image otherwise derives the listeners from the advertised ones, which is wrong here.
            .WithEnvironment("KAFKA_LISTENERS", string.Create(CultureInfo.InvariantCulture,
                $"PLAINTEXT://0.0.0.0:{KafkaServerResource.InternalTargetPort},PLAINTEXT_HOST://0.0.0.0:{KafkaServerResource.PrimaryTargetPort}"))
            .WithEnvironment(context => context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = AdvertisedListeners(context, kafka))
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .WithEnvironment("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// Runs the broker in Zookeeper mode against a Zookeeper container (cp-zookeeper, the broker's release) named
    /// <paramref name="containerName"/> (default <c>zookeeper</c>); the broker waits for it.
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> WithZookeeper(
        this IResourceBuilder<KafkaServerResource> builder,
        Action<IResourceBuilder<ZookeeperResource>>? configureContainer = null,
        [ResourceName] string? containerName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Resource.Zookeeper is not null)
        {
            throw new InvalidOperationException($"Kafka '{builder.Resource.Name}' has a Zookeeper already ('{builder.Resource.Zookeeper.Name}').");
        }

        var zookeeper = builder.ApplicationBuilder.AddResource(new ZookeeperResource(containerName ?? "zookeeper"))
            .WithImage(KafkaContainerImageTags.ZookeeperImage, KafkaContainerImageTags.ZookeeperTag)
            .WithImageRegistry(KafkaContainerImageTags.Registry)
            .WithEndpoint(targetPort: ZookeeperResource.ClientPort, name: ZookeeperResource.ClientEndpointName)
            .WithEnvironment("ZOOKEEPER_CLIENT_PORT", ZookeeperResource.ClientPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("ZOOKEEPER_TICK_TIME", "2000")
            .WithParentRelationship(builder);
        builder.Resource.Zookeeper = zookeeper.Resource;
        builder.Resource.PersistZookeeper?.Invoke(zookeeper);
        configureContainer?.Invoke(zookeeper);

        return builder
            .WithEnvironment("KAFKA_ZOOKEEPER_CONNECT", zookeeper.Resource.ContainerNetworkAddress)
            .WaitFor(zookeeper);
    }

    /// <summary>
    /// Adds the Kafka UI (kafbat/kafka-ui), one container for every Kafka broker of the application, connected through
    /// each broker's internal listener, each cluster read-only (it browses topics and messages; it produces, deletes and
    /// reconfigures nothing). A second call configures the same container.
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> WithKafkaUI(
        this IResourceBuilder<KafkaServerResource> builder,
        Action<IResourceBuilder<KafkaUIContainerResource>>? configureContainer = null,
        [ResourceName] string? containerName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var app = builder.ApplicationBuilder;
        var ui = app.Resources.OfType<KafkaUIContainerResource>().SingleOrDefault() is { } existing
            ? app.CreateResourceBuilder(existing)
            : app.AddResource(new KafkaUIContainerResource(containerName ?? "kafka-ui"))
                .WithImage(KafkaContainerImageTags.KafkaUiImage, KafkaContainerImageTags.KafkaUiTag)
                .WithImageRegistry(KafkaContainerImageTags.Registry)
                .WithHttpEndpoint(targetPort: KafkaUiPort, name: "http")
                .WithUrlForEndpoint("http", url => url.DisplayText = "Kafka UI")
                // Every broker, evaluated when the UI starts: brokers added after this call are served too.
                .WithEnvironment(context => ConfigureClusters(context, app.Resources.OfType<KafkaServerResource>()))
                .ExcludeFromManifest();

        ui.WithParentRelationship(builder).WaitFor(builder);
        configureContainer?.Invoke(ui);
        return builder;
    }

    /// <summary>Binds the Kafka UI to a fixed host port instead of a random one.</summary>
    public static IResourceBuilder<KafkaUIContainerResource> WithHostPort(this IResourceBuilder<KafkaUIContainerResource> builder, int? port)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithEndpoint("http", endpoint => endpoint.Port = port);
    }

    /// <summary>
    /// Keeps the broker's data in a named volume, and its Zookeeper's (data and transaction log) in volumes beside it:
    /// the two persist together, because a broker with data and a fresh Zookeeper refuses to start
    /// (<c>InconsistentClusterIdException</c>).
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> WithDataVolume(this IResourceBuilder<KafkaServerResource> builder, string? name = null, bool isReadOnly = false)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var volume = name ?? VolumeNameGenerator.Generate(builder, "data");
        return builder
            .WithEnvironment("KAFKA_LOG_DIRS", KafkaDataTarget)
            .WithVolume(volume, KafkaDataTarget, isReadOnly)
            .PersistZookeeper(zookeeper => zookeeper
                .WithVolume($"{volume}-zookeeper-data", ZookeeperResource.DataTarget, isReadOnly)
                .WithVolume($"{volume}-zookeeper-log", ZookeeperResource.LogTarget, isReadOnly));
    }

    /// <summary>
    /// Keeps the broker's data in the host directory <paramref name="source"/>, and its Zookeeper's in
    /// <c>{source}-zookeeper/data</c> and <c>{source}-zookeeper/log</c> (not inside <paramref name="source"/>:
    /// the broker refuses a log directory holding directories that are not partitions).
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> WithDataBindMount(this IResourceBuilder<KafkaServerResource> builder, string source, bool isReadOnly = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(source);

        var zookeeperSource = source.TrimEnd('/', '\\') + "-zookeeper";
        return builder
            .WithEnvironment("KAFKA_LOG_DIRS", KafkaDataTarget)
            .WithBindMount(source, KafkaDataTarget, isReadOnly)
            .PersistZookeeper(zookeeper => zookeeper
                .WithBindMount(Path.Combine(zookeeperSource, "data"), ZookeeperResource.DataTarget, isReadOnly)
                .WithBindMount(Path.Combine(zookeeperSource, "log"), ZookeeperResource.LogTarget, isReadOnly));
    }

    private static IResourceBuilder<KafkaServerResource> PersistZookeeper(
        this IResourceBuilder<KafkaServerResource> builder, Action<IResourceBuilder<ZookeeperResource>> persist)
    {
        builder.Resource.PersistZookeeper = persist;
        if (builder.Resource.Zookeeper is { } zookeeper)
        {
            persist(builder.ApplicationBuilder.CreateResourceBuilder(zookeeper));
        }

        return builder;
    }

    /// <summary>
    /// Run mode: other containers reach the broker by its name on the Aspire network, host processes at
    /// <c>localhost</c> and the allocated port. Publish mode: every consumer of the manifest is a deployed service that
    /// reaches the broker by its endpoints' host names, so both listeners advertise those (never localhost).
    /// </summary>
    private static ReferenceExpression AdvertisedListeners(EnvironmentCallbackContext context, KafkaServerResource kafka) =>
        context.ExecutionContext.IsRunMode
            ? ReferenceExpression.Create(
                $"PLAINTEXT://{kafka.Name}:{kafka.InternalEndpoint.Property(EndpointProperty.TargetPort)},PLAINTEXT_HOST://localhost:{kafka.PrimaryEndpoint.Property(EndpointProperty.Port)}")
            : ReferenceExpression.Create(
                $"PLAINTEXT://{kafka.InternalEndpoint.Property(EndpointProperty.HostAndPort)},PLAINTEXT_HOST://{kafka.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");

    private static void ConfigureClusters(EnvironmentCallbackContext context, IEnumerable<KafkaServerResource> brokers)
    {
        var index = 0;
        foreach (var kafka in brokers)
        {
            context.EnvironmentVariables[$"KAFKA_CLUSTERS_{index}_NAME"] = kafka.Name;
            context.EnvironmentVariables[$"KAFKA_CLUSTERS_{index}_BOOTSTRAPSERVERS"] =
                ReferenceExpression.Create($"{kafka.Name}:{kafka.InternalEndpoint.Property(EndpointProperty.TargetPort)}");
            // kafbat/kafka-ui: kafka.clusters[i].readOnly refuses every write through the UI and its API.
            context.EnvironmentVariables[$"KAFKA_CLUSTERS_{index}_READONLY"] = "true";
            index++;
        }
    }
}
