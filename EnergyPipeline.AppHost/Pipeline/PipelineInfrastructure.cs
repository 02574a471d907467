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

/// <summary>The embedded infrastructure cannot run here (e.g. no PostgreSQL binaries): one line naming the remedy, exit code 1.</summary>
public sealed class EmbeddedInfrastructureException(string message) : DistributedApplicationException(message);
