namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>The Grafana container, with its admin password and the password of the read-only role its data source uses.</summary>
public sealed class GrafanaResource(string name, ParameterResource adminPassword, ParameterResource readerPassword) : ContainerResource(name)
{
    public ParameterResource AdminPassword { get; } = adminPassword;

    public ParameterResource ReaderPassword { get; } = readerPassword;
}
