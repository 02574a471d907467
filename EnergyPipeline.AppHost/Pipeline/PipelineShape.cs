using EnergyPipeline.LocalInfrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// What the model declares, decided once before it is built: where Kafka and PostgreSQL (and for the spark engine
/// Spark and HDFS) come from when no connection string gives them (<c>Pipeline:Infrastructure</c>, <c>auto</c>
/// resolved), and which engine the job runs (<c>Pipeline:Engine</c>).
/// </summary>
public sealed record PipelineShape(PipelineInfrastructure Infrastructure, PipelineEngine Engine)
{
    public const string InfrastructureSetting = "Pipeline:Infrastructure";
    public const string EngineSetting = "Pipeline:Engine";

    public bool IsEmbedded => Infrastructure == PipelineInfrastructure.Embedded;

    /// <summary>
    /// The shape to build in <paramref name="isRunMode"/>: <c>auto</c> becomes containers when nothing needs them or the
    /// runtime answers <paramref name="probe"/>, else embedded, with the one line that says so. Publishing always
    /// models containers.
    /// </summary>
    public static async Task<(PipelineShape Shape, string? Notice)> ResolveAsync(
        IConfiguration configuration, bool isRunMode, Func<string, CancellationToken, Task<string?>> probe, CancellationToken cancellationToken = default)
    {
        var configured = ReadInfrastructure(configuration);
        var engine = ReadEngine(configuration);
        if (!isRunMode || configured != PipelineInfrastructure.Auto)
        {
            return (Of(Settled(configured, isRunMode), engine), null);
        }

        // Without an engine setting the spark engine is the default wherever containers can run it.
        if (!NeedsContainers(configuration, (engine ?? PipelineEngine.Spark) == PipelineEngine.Spark))
        {
            return (Of(PipelineInfrastructure.Containers, engine), null);
        }

        var runtime = ContainerRuntime.Name(configuration);
        if (await probe(runtime, cancellationToken).ConfigureAwait(false) is not { } failure)
        {
            return (Of(PipelineInfrastructure.Containers, engine), $"Infrastructure: containers ({runtime} answers).");
        }

        return (Of(PipelineInfrastructure.Embedded, engine),
            $"Infrastructure: embedded, because no container runtime answers ({runtime}: {failure}); Kafka runs inside the AppHost, PostgreSQL from local binaries, engine local. Set {InfrastructureSetting}=containers to insist on containers.");
    }

    /// <summary>The shape without probing a container runtime (tests, manifests): <c>auto</c> models containers.</summary>
    public static PipelineShape Resolve(IConfiguration configuration, bool isRunMode) =>
        Of(Settled(ReadInfrastructure(configuration), isRunMode), ReadEngine(configuration));

    /// <summary>
    /// True when the containers topology would declare any container: a service that no connection string gives.
    /// </summary>
    public static bool NeedsContainers(IConfiguration configuration, bool sparkEngine) =>
        !Given(configuration, PipelineNames.KafkaConnection) || !Given(configuration, PipelineNames.DatabaseConnection)
        || (sparkEngine && (!Given(configuration, PipelineNames.SparkConnection) || !Given(configuration, PipelineNames.HdfsConnection)));

    /// <summary>
    /// The engine: as configured, else spark, or local when embedded, where spark is refused (Spark and HDFS run only
    /// in containers or as given services).
    /// </summary>
    private static PipelineShape Of(PipelineInfrastructure infrastructure, PipelineEngine? configured)
    {
        var embedded = infrastructure == PipelineInfrastructure.Embedded;
        var engine = configured ?? (embedded ? PipelineEngine.Local : PipelineEngine.Spark);
        return engine == PipelineEngine.Spark && embedded
            ? throw new PipelineConfigurationException(
                $"{EngineSetting}=spark needs Spark and HDFS, which embedded infrastructure does not run: use {EngineSetting}=local, " +
                $"or {InfrastructureSetting}=containers with a container runtime, or give ConnectionStrings:spark and ConnectionStrings:hdfs.")
            : new PipelineShape(infrastructure, engine);
    }

    /// <summary>Embedded only in run mode and only when asked for; everything else models containers.</summary>
    private static PipelineInfrastructure Settled(PipelineInfrastructure configured, bool isRunMode) =>
        isRunMode && configured == PipelineInfrastructure.Embedded ? PipelineInfrastructure.Embedded : PipelineInfrastructure.Containers;

    private static PipelineInfrastructure ReadInfrastructure(IConfiguration configuration)
    {
        var value = configuration[InfrastructureSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return PipelineInfrastructure.Auto;
        }

        return Enum.TryParse<PipelineInfrastructure>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new PipelineConfigurationException($"{InfrastructureSetting} is '{value}'; use 'auto', 'containers' or 'embedded'.");
    }

    /// <summary>The configured engine, or null when <c>Pipeline:Engine</c> is not set.</summary>
    private static PipelineEngine? ReadEngine(IConfiguration configuration)
    {
        var value = configuration[EngineSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return PipelineEngineNames.Parse(value)
            ?? throw new PipelineConfigurationException($"{EngineSetting} is '{value}'; use '{PipelineNames.SparkEngine}' or '{PipelineNames.LocalEngine}'.");
    }

    private static bool Given(IConfiguration configuration, string name) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString(name));
}
