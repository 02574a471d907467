using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Settings;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>Every setting the AppHost reads, once: <c>--help</c> prints this list and the docs' AppHost settings table is tested against it.</summary>
public static class AppHostSettings
{
    public static readonly SettingsList All = new(
        new(PipelineShape.InfrastructureSetting, "auto",
            "auto: containers when a container runtime answers, else embedded; containers: Kafka, PostgreSQL (and Spark, HDFS) in " +
            "containers, stopping at once with both remedies when no runtime answers; embedded: Kafka inside the AppHost " +
            "(librdkafka's mock cluster), PostgreSQL from local binaries, engine local, no container. Publishing a manifest always models containers."),
        new(PipelineShape.EngineSetting, PipelineNames.SparkEngine,
            $"{PipelineNames.SparkEngine} (Spark Connect) or {PipelineNames.LocalEngine} (in-process); {PipelineNames.LocalEngine} when embedded, where {PipelineNames.SparkEngine} is a configuration error (exit code 2)."),
        new(EnergyPipelineModel.PostgresBinDirectorySetting, "(searched)",
            "The PostgreSQL binaries for embedded mode; else /usr/lib/postgresql/N/bin, newest first, or PATH."),
        new(EmbeddedPostgresStorage.DataDirectorySetting, "(per user)",
            "Where the embedded PostgreSQL keeps its data between runs, one AppHost at a time: ~/.local/share/energy-pipeline/postgres " +
            "($XDG_DATA_HOME/energy-pipeline/postgres when that is set); as root /var/lib/energy-pipeline/postgres, since the server then runs as the postgres user."),
        new(EmbeddedPostgresStorage.ThrowAwaySetting, "false",
            "true: a throw-away embedded PostgreSQL in /tmp/energy-pipeline-pg-*, removed when the AppHost stops."),
        new(PipelineConsoleReport.ExitWhenDoneSetting, "false",
            "true: exit when the job has ended (scripts, CI), with exit code 0 only when the ingestor and the job both succeeded, else 1."),
        new(EnergyPipelineModel.SparkWorkersSetting, "0",
            "0: Spark in local mode inside the Connect container; N (up to 64): a Spark standalone master and N workers from the same image, the Connect server as their driver (containers only)."),
        new(EnergyPipelineModel.IngestFileSetting, SettingDescriptor.None,
            "The file to ingest; else the UCI data set in data/ (downloaded), else a generated file of the same shape when offline."),
        new(Parameter(ResourceNames.PostgresPassword), "(generated)",
            $"The PostgreSQL superuser's password (container or embedded), a secret parameter generated and kept in the AppHost's user secrets unless set " +
            $"(dotnet user-secrets --project EnergyPipeline.AppHost set {Parameter(ResourceNames.PostgresPassword)} ...); the embedded server takes the current one at each start."),
        new(Parameter(ResourceNames.CompletionKey), "(generated)",
            "The key the ingestor signs its completion records with and the job verifies them with (both get it as Pipeline:CompletionKey), generated likewise; a new key means ingesting again."),
        new(Parameter(GrafanaBuilderExtensions.AdminPasswordParameter(ResourceNames.Grafana)), "(generated)",
            "Grafana's admin password, a secret parameter generated and kept in the AppHost's user secrets unless set."),
        new(Parameter(GrafanaBuilderExtensions.ReaderPasswordParameter(ResourceNames.Grafana)), "(generated)",
            "The password of the read-only database role Grafana queries with, generated likewise."),
        new(Parameter(PgWebBuilderExtensions.ReaderPasswordParameter(ResourceNames.PgWeb)), "(generated)",
            "The password of the read-only database role pgweb queries with (container PostgreSQL), generated likewise."),
        new(Connection(PipelineNames.KafkaConnection), SettingDescriptor.None,
            "An existing Kafka, host:port[,host:port]: no Kafka resource, in either topology."),
        new(Connection(PipelineNames.DatabaseConnection), SettingDescriptor.None,
            "An existing PostgreSQL database, an Npgsql connection string: no PostgreSQL resource, in either topology."),
        new(Connection(PipelineNames.SparkConnection), SettingDescriptor.None, "An existing Spark Connect endpoint, sc://host:15002: no Spark container."),
        new(Connection(PipelineNames.HdfsConnection), SettingDescriptor.None, "An existing HDFS, hdfs://host:8020: no HDFS containers."),
        new(ContainerRuntime.Setting, ContainerRuntime.Default, "docker or podman (an environment variable)."));

    /// <summary>Keys below Pipeline: and Ingestor: that the AppHost would ignore (its services inherit its environment, see <see cref="PipelineSettingKeys"/>).</summary>
    public static readonly UnknownSettingCheck UnknownKeys = new(All, [PipelineSettingKeys.PipelineSection, PipelineSettingKeys.IngestorSection]);

    /// <summary>A misspelt key is a configuration error (exit code 2) naming the closest known key, never silently ignored.</summary>
    public static void RejectUnknownKeys(IConfigurationRoot configuration)
    {
        if (UnknownKeys.Describe(configuration) is { } unknown)
        {
            throw new PipelineConfigurationException($"{unknown} (--help lists the settings)");
        }
    }

    private static string Parameter(string name) => $"Parameters:{name}";

    private static string Connection(string name) => PipelineNames.ConnectionStringKey(name);
}
