namespace Aspire.Hosting.ApplicationModel;

/// <summary>A Zookeeper server for Kafka in Zookeeper mode.</summary>
public sealed class ZookeeperResource(string name) : ContainerResource(name)
{
    internal const string ClientEndpointName = "tcp";
    internal const int ClientPort = 2181;

    /// <summary><c>host:port</c> on the container network, as Kafka's <c>zookeeper.connect</c> wants it.</summary>
    public string ContainerNetworkAddress => $"{Name}:{ClientPort}";
}

/// <summary>
/// A Kafka broker (cp-kafka) with two listeners: <c>PLAINTEXT_HOST</c> advertised to processes on the host at
/// the port Aspire allocated, and <c>PLAINTEXT</c> advertised to other containers as <c>name:29092</c>.
/// </summary>
public sealed class KafkaServerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";
    internal const string InternalEndpointName = "internal";
    internal const int HostListenerPort = 9092;
    internal const int ContainerListenerPort = 29092;

    private EndpointReference? _primaryEndpoint;

    /// <summary>
    /// The listener that host processes (the services) connect to, resolved on the host network even where the
    /// broker's own environment (a container's) is evaluated.
    /// </summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName, KnownNetworkIdentifiers.LocalhostNetwork);

    /// <summary>Bootstrap servers for other containers (Spark, Kafka UI): <c>kafka:29092</c>.</summary>
    public string ContainerNetworkBootstrapServers => $"{Name}:{ContainerListenerPort}";

    /// <summary><c>host:port</c>, the form Confluent.Kafka's <c>bootstrap.servers</c> takes.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}
