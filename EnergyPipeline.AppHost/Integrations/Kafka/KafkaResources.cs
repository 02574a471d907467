namespace Aspire.Hosting.ApplicationModel;

/// <summary>A Zookeeper server for a Kafka broker in Zookeeper mode, attached with <c>WithZookeeper</c>.</summary>
public sealed class ZookeeperResource(string name) : ContainerResource(name)
{
    internal const string ClientEndpointName = "tcp";
    internal const int ClientPort = 2181;
    internal const string DataTarget = "/var/lib/zookeeper/data";
    internal const string LogTarget = "/var/lib/zookeeper/log";

    /// <summary><c>host:port</c> on the container network, as Kafka's <c>zookeeper.connect</c> wants it.</summary>
    public string ContainerNetworkAddress => $"{Name}:{ClientPort}";
}

/// <summary>
/// A Kafka broker (cp-kafka) with two listeners: <c>PLAINTEXT_HOST</c> on <see cref="PrimaryEndpoint"/> for
/// processes on the host, and <c>PLAINTEXT</c> on <see cref="InternalEndpoint"/> for other containers.
/// </summary>
public class KafkaServerResource(string name) : ContainerResource(name), IResourceWithConnectionString, IResourceWithEnvironment
{
    internal const string PrimaryEndpointName = "tcp";
    internal const string InternalEndpointName = "internal";
    internal const int PrimaryTargetPort = 9092;
    internal const int InternalTargetPort = 29092;

    private EndpointReference? _primaryEndpoint;
    private EndpointReference? _internalEndpoint;

    /// <summary>The listener host processes (the services) connect to; containers use <see cref="InternalEndpoint"/>.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName, KnownNetworkIdentifiers.LocalhostNetwork);

    /// <summary>The listener other containers (Spark, Kafka UI) connect to, on the container network.</summary>
    public EndpointReference InternalEndpoint => _internalEndpoint ??= new(this, InternalEndpointName, KnownNetworkIdentifiers.DefaultAspireContainerNetwork);

    public EndpointReferenceExpression Host => PrimaryEndpoint.Property(EndpointProperty.Host);

    public EndpointReferenceExpression Port => PrimaryEndpoint.Property(EndpointProperty.Port);

    /// <summary><c>host:port</c>, the form Confluent.Kafka's <c>bootstrap.servers</c> takes.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");

    /// <summary>The Zookeeper attached by <c>WithZookeeper</c>, if any.</summary>
    internal ZookeeperResource? Zookeeper { get; set; }

    /// <summary>What <c>WithDataVolume</c>/<c>WithDataBindMount</c> asked for Zookeeper, applied whenever it is attached.</summary>
    internal Action<IResourceBuilder<ZookeeperResource>>? PersistZookeeper { get; set; }

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{Host}"));
        yield return new("Port", ReferenceExpression.Create($"{Port}"));
    }
}

/// <summary>The Kafka UI container (kafbat/kafka-ui); one serves every broker of the application.</summary>
public sealed class KafkaUIContainerResource(string name) : ContainerResource(name);
