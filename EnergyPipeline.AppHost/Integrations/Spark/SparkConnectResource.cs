namespace Aspire.Hosting.ApplicationModel;

/// <summary>A Spark Connect server; its connection string is the client URI <c>sc://host:port</c>.</summary>
public sealed class SparkConnectResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    internal const string ConnectEndpointName = "connect";
    internal const string UiEndpointName = "ui";
    internal const int ConnectPort = 15002;
    internal const int UiPort = 4040;

    private EndpointReference? _connectEndpoint;

    public EndpointReference ConnectEndpoint => _connectEndpoint ??= new(this, ConnectEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"sc://{ConnectEndpoint.Property(EndpointProperty.HostAndPort)}");
}
