using EnergyPipeline.Connectivity;
using EnergyPipeline.Settings;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.Storage;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.SparkJob;

/// <summary>Every setting the job reads, once: <c>--help</c> prints this list and the docs' job settings table is tested against it.</summary>
public static class JobSettings
{
    public static readonly SettingsList All = new(
        new(Connection(PipelineNames.DatabaseConnection), SettingDescriptor.Required,
            "PostgreSQL, an Npgsql connection string (its database, user and password are also what Spark's JDBC writer uses)."),
        new(Connection(PipelineNames.KafkaConnection), SettingDescriptor.Required,
            "Kafka bootstrap servers, host:port[,...]; both engines capture the snapshot with the job's own consumer."),
        new(Connection(PipelineNames.SparkConnection), SettingDescriptor.None,
            "The Spark Connect endpoint, sc://host:15002[/;user_id=name]; required by the spark engine."),
        new(Connection(PipelineNames.HdfsConnection), SettingDescriptor.None,
            "The HDFS file system of the raw zone, hdfs://host:8020; required by the spark engine."),
        new(PipelineOptions.EngineSetting, PipelineNames.SparkEngine, $"{PipelineNames.SparkEngine} or {PipelineNames.LocalEngine} (also --engine)."),
        new(PipelineOptions.TopicSetting, Messaging.RawEnergyTopic.Name, "The topic to read (also --topic)."),
        new(PipelineOptions.ConnectTimeoutSetting, SettingDescriptor.Seconds(ConnectTimeout.Default),
            "Seconds (or a time span) to try to reach PostgreSQL, and Kafka (local engine) or Spark Connect (spark engine), at start."),
        new(PipelineOptions.ReadStallTimeoutSetting, SettingDescriptor.Seconds(SnapshotReader.DefaultStallTimeout),
            "Seconds without progress after which the Kafka read fails; also Spark's kafkaConsumer.pollTimeoutMs."),
        new(PipelineOptions.RunHeartbeatSetting, SettingDescriptor.Seconds(QuarterlyStore.DefaultRunHeartbeat),
            $"Seconds (or a time span) between renewals of a run's heartbeat in pipeline_runs; another run marks it abandoned only once its heartbeat is older than {QuarterlyStore.MissedHeartbeatsBeforeAbandoned} of these by the database's clock."),
        new(SparkEngineOptions.KafkaBootstrapServersSetting, SettingDescriptor.None,
            $"Kafka as Spark's executors reach it (spark engine; the AppHost passes the container network's address); by default {Connection(PipelineNames.KafkaConnection)}."),
        new(SparkEngineOptions.PostgresAddressSetting, SettingDescriptor.None,
            $"PostgreSQL as Spark reaches it, host:port or an Npgsql connection string to take them from (spark engine); by default the host and port of {Connection(PipelineNames.DatabaseConnection)}."),
        new(SparkEngineOptions.RawZonePathSetting, SparkEngineOptions.DefaultRawZonePath,
            "The raw zone's directory in HDFS; each run writes below it (spark engine)."),
        new(SparkEngineOptions.MaxStatementDurationSetting, SettingDescriptor.Seconds(SparkConnectSession.DefaultMaxStatementDuration),
            "Seconds (or a time span) one Spark statement may run, reattaches after broken or cut streams included; past it the run fails and Spark is asked to stop the statement (spark engine)."),
        new(Messaging.CompletionKey.Setting, SettingDescriptor.None,
            $"The secret (at least {Messaging.CompletionKey.MinimumLength} characters) completion records must be signed with to count; the ingestor needs the same one. The AppHost passes its generated parameter completion-key. Unset: records are not verified, said in one warning line; signed records then stop the run (exit code 2)."),
        new(DashboardReaderRole.RoleSetting(DashboardReaderRole.Grafana), SettingDescriptor.None,
            $"The read-only role a dashboard queries with, provisioned at each run together with {DashboardReaderRole.PasswordSetting(DashboardReaderRole.Grafana)} (the AppHost sets both for Grafana)."),
        new(DashboardReaderRole.PasswordSetting(DashboardReaderRole.Grafana), SettingDescriptor.None, "That role's password."),
        new(DashboardReaderRole.RoleSetting(DashboardReaderRole.PgWeb), SettingDescriptor.None,
            $"Likewise for pgweb, with {DashboardReaderRole.PasswordSetting(DashboardReaderRole.PgWeb)} (the AppHost sets both when it runs PostgreSQL in a container)."),
        new(DashboardReaderRole.PasswordSetting(DashboardReaderRole.PgWeb), SettingDescriptor.None, "That role's password."),
        new(JobProgram.NpgsqlCommandLevelSetting, "Warning", "Information logs every SQL statement."),
        new($"{KafkaClientRegistration.ConsumerSection}:Config:NAME", SettingDescriptor.None,
            "A librdkafka consumer property (e.g. fetch.max.bytes) of the local engine and the snapshot capture; it wins over the defaults."));

    /// <summary>Keys below Pipeline: and Aspire: that the job would ignore: a configuration error naming the closest known key.</summary>
    public static readonly UnknownSettingCheck UnknownKeys = new(
        All, [PipelineSettingKeys.PipelineSection, PipelineSettingKeys.AspireSection],
        KafkaClientRegistration.ConsumerSettingsShape(PipelineNames.KafkaConnection),
        new ClientSettingsShape(NpgsqlSection, PipelineNames.DatabaseConnection, typeof(Aspire.Npgsql.NpgsqlSettings)));

    /// <summary>The section Aspire.Npgsql binds its data source's settings from (its <c>DefaultConfigSectionName</c>).</summary>
    public const string NpgsqlSection = "Aspire:Npgsql";

    private static string Connection(string name) => PipelineNames.ConnectionStringKey(name);
}
