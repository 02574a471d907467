using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// A dashboard that queries the energy database as a read-only role of its own, never as the superuser: the job
/// creates the role (SELECT on the figures and the run log, read-only transactions) from
/// <c>Pipeline:{ReaderSection}:ReaderRole</c> and <c>Pipeline:{ReaderSection}:ReaderPassword</c>.
/// </summary>
public interface IResourceWithDatabaseReader : IResource
{
    /// <summary>The section of the job's settings that names the role (<c>Grafana</c>, <c>PgWeb</c>).</summary>
    string ReaderSection { get; }

    string ReaderRole { get; }

    /// <summary>The role's password, a generated secret parameter.</summary>
    ParameterResource ReaderPassword { get; }
}

public static class DatabaseReaderExtensions
{
    /// <summary>Gives the job the role to provision for <paramref name="dashboard"/> (name and password).</summary>
    public static IResourceBuilder<ProjectResource> WithDatabaseReader(this IResourceBuilder<ProjectResource> job, IResourceWithDatabaseReader dashboard) =>
        job.WithEnvironment($"Pipeline__{dashboard.ReaderSection}__ReaderRole", dashboard.ReaderRole)
            .WithEnvironment($"Pipeline__{dashboard.ReaderSection}__ReaderPassword", dashboard.ReaderPassword);
}
