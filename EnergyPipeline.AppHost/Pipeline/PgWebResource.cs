namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>The pgweb container, with the read-only role it connects as.</summary>
public sealed class PgWebResource(string name, string readerRole, ParameterResource readerPassword) : ContainerResource(name), IResourceWithDatabaseReader
{
    public string ReaderSection => "PgWeb";

    public string ReaderRole { get; } = readerRole;

    public ParameterResource ReaderPassword { get; } = readerPassword;
}
