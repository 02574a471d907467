namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>The Grafana container, with its admin password and the read-only role its data source uses.</summary>
public sealed class GrafanaResource(string name, ParameterResource adminPassword, string readerRole, ParameterResource readerPassword)
    : ContainerResource(name), IResourceWithDatabaseReader
{
    public ParameterResource AdminPassword { get; } = adminPassword;

    public string ReaderSection => "Grafana";

    public string ReaderRole { get; } = readerRole;

    public ParameterResource ReaderPassword { get; } = readerPassword;
}
