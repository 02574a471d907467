using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>Where Kafka and PostgreSQL (and for the spark engine Spark and HDFS) come from when no connection string gives them.</summary>
public enum PipelineInfrastructure
{
    /// <summary>Containers when a container runtime answers, else embedded (run mode only).</summary>
    Auto,
    Containers,

    /// <summary>No container: Kafka hosted in the AppHost (librdkafka's mock cluster), PostgreSQL from local binaries, local engine.</summary>
    Embedded,
}

/// <summary>A setting the AppHost cannot run with: one line, exit code 2.</summary>
public sealed class PipelineConfigurationException(string message) : DistributedApplicationException(message);

/// <summary>Reads <c>Pipeline:Infrastructure</c> and resolves <c>auto</c> before the model is built.</summary>
public static class InfrastructureChoice
{
    public const string Setting = "Pipeline:Infrastructure";

    public static PipelineInfrastructure Read(IConfiguration configuration)
    {
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return PipelineInfrastructure.Auto;
        }

        return Enum.TryParse<PipelineInfrastructure>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new PipelineConfigurationException($"{Setting} is '{value}'; use 'auto', 'containers' or 'embedded'.");
    }

    /// <summary>
    /// True when the containers topology would declare any container: a service that no connection string gives.
    /// </summary>
    public static bool NeedsContainers(IConfiguration configuration, bool sparkEngine) =>
        !Given(configuration, "kafka") || !Given(configuration, EnergyPipelineModel.EnergyDatabase)
        || (sparkEngine && (!Given(configuration, "spark") || !Given(configuration, "hdfs")));

    /// <summary>
    /// The mode to build: <c>auto</c> becomes containers when nothing needs them or a runtime answers, else embedded,
    /// with the one line that says so. Publishing always models containers.
    /// </summary>
    public static async Task<(PipelineInfrastructure Mode, string? Notice)> ResolveAsync(
        IConfiguration configuration, bool isRunMode, Func<string, CancellationToken, Task<string?>> probe, CancellationToken cancellationToken = default)
    {
        var configured = Read(configuration);
        if (!isRunMode)
        {
            return (PipelineInfrastructure.Containers, null);
        }

        if (configured != PipelineInfrastructure.Auto)
        {
            return (configured, null);
        }

        // Without an engine setting the spark engine is the default wherever containers can run it.
        var engine = configuration[EnergyPipelineModel.EngineSetting]?.Trim();
        var sparkEngine = string.IsNullOrEmpty(engine) || string.Equals(engine, "spark", StringComparison.OrdinalIgnoreCase);
        if (!NeedsContainers(configuration, sparkEngine))
        {
            return (PipelineInfrastructure.Containers, null);
        }

        var runtime = ContainerRuntimeCheck.RuntimeName(configuration);
        if (await probe(runtime, cancellationToken).ConfigureAwait(false) is not { } failure)
        {
            return (PipelineInfrastructure.Containers, $"Infrastructure: containers ({runtime} answers).");
        }

        return (PipelineInfrastructure.Embedded,
            $"Infrastructure: embedded, because no container runtime answers ({runtime}: {failure}); Kafka runs inside the AppHost, PostgreSQL from local binaries, engine local. Set {Setting}=containers to insist on containers.");
    }

    private static bool Given(IConfiguration configuration, string name) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString(name));
}

/// <summary>The embedded infrastructure cannot run here (e.g. no PostgreSQL binaries): one line naming the remedy, exit code 1.</summary>
public sealed class EmbeddedInfrastructureException(string message) : DistributedApplicationException(message);
