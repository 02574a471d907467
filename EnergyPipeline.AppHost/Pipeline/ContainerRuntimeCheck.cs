using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.LocalInfrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Tells, before anything starts, whether the model needs containers that no runtime can run. Without this the
/// AppHost waits forever for containers that stay in RuntimeUnhealthy.
/// </summary>
public static class ContainerRuntimeCheck
{
    /// <summary>A message naming both remedies when containers are needed and the runtime does not answer; otherwise null.</summary>
    public static async Task<string?> FindProblemAsync(DistributedApplicationModel model, IConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var containers = model.Resources.OfType<ContainerResource>().Select(r => r.Name).ToList();
        if (containers.Count == 0)
        {
            return null;
        }

        var runtime = ContainerRuntime.Name(configuration);
        var failure = await ContainerRuntime.ProbeAsync(runtime, cancellationToken).ConfigureAwait(false);
        return failure is null
            ? null
            : $"""
               No container runtime answers ({runtime}: {failure}), and this model needs containers: {string.Join(", ", containers)}.
               Either start Docker or Podman (set ASPIRE_CONTAINER_RUNTIME=podman for Podman),
               or point the pipeline at existing services and run it without containers, for example:
                 dotnet run --project EnergyPipeline.AppHost -- --ConnectionStrings:kafka=HOST:9092 --ConnectionStrings:energy_db="Host=...;Database=energy_db;Username=...;Password=..." --Pipeline:Engine=local
               (ConnectionStrings:spark=sc://HOST:15002 and ConnectionStrings:hdfs=hdfs://HOST:8020 replace Spark and HDFS for the spark engine.)
               """;
    }
}
