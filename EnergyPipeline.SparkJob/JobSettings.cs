using EnergyPipeline.Connectivity;
using EnergyPipeline.Settings;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.Storage;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.SparkJob;

/// <summary>Every setting the job reads, once: <c>--help</c> prints this list and the docs' job settings table is tested against it.</summary>
public static class JobSettings
{
    public static readonly SettingsList All = new(
        new(Connection(PipelineNames.DatabaseConnection), SettingDescriptor.Required, "PostgreSQL (Npgsql connection string)."),
        new(Connection(PipelineNames.KafkaConnection), SettingDescriptor.Required,
            "Kafka bootstrap servers (host:port); both engines capture the topic's snapshot through it."),
        new(Connection(PipelineNames.SparkConnection), SettingDescriptor.None,
            "Spark Connect endpoint (sc://host:15002[/;user_id=name]); required by the spark engine."),
        new(Connection(PipelineNames.HdfsConnection), SettingDescriptor.None,
            "HDFS file system of the raw zone (hdfs://host:8020); required by the spark engine."),
        new(PipelineOptions.EngineSetting, PipelineNames.SparkEngine, $"{PipelineNames.SparkEngine} or {PipelineNames.LocalEngine} (also --engine)."),
        new(PipelineOptions.TopicSetting, Messaging.RawEnergyTopic.Name, "The topic to read (also --topic)."),
        new(PipelineOptions.ConnectTimeoutSetting, SettingDescriptor.Seconds(ConnectTimeout.Default),
            "Seconds (or a time span) to reach Kafka and PostgreSQL at start."),
        new(PipelineOptions.ReadStallTimeoutSetting, SettingDescriptor.Seconds(SnapshotReader.DefaultStallTimeout),
            "Seconds without progress before the Kafka read fails; also Spark's kafkaConsumer.pollTimeoutMs."),
        new(SparkEngineOptions.KafkaBootstrapServersSetting, SettingDescriptor.None,
            $"Kafka's bootstrap servers as Spark's executors reach them (spark engine; the AppHost passes the container network's address); by default {Connection(PipelineNames.KafkaConnection)}."),
        new(SparkEngineOptions.PostgresAddressSetting, SettingDescriptor.None,
            $"PostgreSQL's host:port as Spark reaches it, or an Npgsql connection string to take them from (spark engine); by default the host and port of {Connection(PipelineNames.DatabaseConnection)}."),
        new(SparkEngineOptions.RawZonePathSetting, SparkEngineOptions.DefaultRawZonePath,
            "The HDFS directory of the raw zone, one directory per run below it (spark engine)."),
        new(DashboardReaderRole.RoleSetting, SettingDescriptor.None,
            $"The read-only role a dashboard queries with, provisioned at each run together with {DashboardReaderRole.PasswordSetting}."),
        new(DashboardReaderRole.PasswordSetting, SettingDescriptor.None, "That role's password."),
        new(JobProgram.NpgsqlCommandLevelSetting, "Warning", "Information logs every SQL statement."),
        new($"{KafkaClientRegistration.ConsumerSection}:Config:NAME", SettingDescriptor.None,
            "A librdkafka consumer property (e.g. fetch.max.bytes) of the job's Kafka reads."));

    private static string Connection(string name) => PipelineNames.ConnectionStringKey(name);
}
