using EnergyPipeline.Connectivity;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.SparkConnect;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// What the Spark engine needs, as Spark (not the job) sees it: Kafka and PostgreSQL are reached from inside
/// the Spark cluster's network, so their addresses differ from the job's own connection strings.
/// </summary>
public sealed record SparkEngineOptions
{
    public const string KafkaBootstrapServersSetting = "Pipeline:Spark:KafkaBootstrapServers";
    public const string PostgresAddressSetting = "Pipeline:Spark:PostgresAddress";
    public const string RawZonePathSetting = "Pipeline:Spark:RawZonePath";
    public const string MaxStatementDurationSetting = "Pipeline:Spark:MaxStatementDuration";
    public const string DefaultRawZonePath = "/raw/energy_readings";

    /// <summary>The Spark Connect endpoint, <c>sc://host:15002</c>.</summary>
    public required string SparkConnectionString { get; init; }

    /// <summary>Kafka's bootstrap servers as Spark's executors reach them, e.g. <c>kafka:29092</c>.</summary>
    public required string KafkaBootstrapServers { get; init; }

    public string Topic { get; init; } = RawEnergyTopic.Name;

    /// <summary>PostgreSQL's host:port as Spark reaches it, e.g. <c>postgres:5432</c>.</summary>
    public required string PostgresAddress { get; init; }

    public required string Database { get; init; }

    public required string Username { get; init; }

    public required string Password { get; init; }

    /// <summary>The HDFS file system, e.g. <c>hdfs://namenode:8020</c>.</summary>
    public required string HdfsUri { get; init; }

    /// <summary>Where in HDFS the cleaned readings go, one directory per run below it.</summary>
    public string RawZonePath { get; init; } = DefaultRawZonePath;

    /// <summary>Spark's Kafka consumer poll timeout: a read that gets nothing for this long fails (<c>Pipeline:ReadStallTimeout</c>).</summary>
    public TimeSpan ReadStallTimeout { get; init; } = SnapshotReader.DefaultStallTimeout;

    /// <summary>
    /// How long one Spark statement may run, its reattaches included (<c>Pipeline:Spark:MaxStatementDuration</c>, seconds
    /// or a time span, default 4 hours); past it the run fails and Spark is asked to stop the statement.
    /// </summary>
    public TimeSpan MaxStatementDuration { get; init; } = SparkConnectSession.DefaultMaxStatementDuration;

    /// <summary>How long to wait for the Spark Connect endpoint to answer at all (a server still starting up).</summary>
    public TimeSpan ReadinessTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reads ConnectionStrings:spark, ConnectionStrings:hdfs, ConnectionStrings:energy_db (database, user and
    /// password), Pipeline:Spark:KafkaBootstrapServers, Pipeline:Spark:PostgresAddress, Pipeline:Spark:RawZonePath and
    /// Pipeline:Spark:MaxStatementDuration; a missing one is named, a malformed duration is a <see cref="ConnectionSettingException"/>.
    /// </summary>
    public static SparkEngineOptions FromConfiguration(IConfiguration configuration)
    {
        var databaseKey = PipelineNames.ConnectionStringKey(PipelineNames.DatabaseConnection);
        var database = new NpgsqlConnectionStringBuilder(Required(configuration, databaseKey));
        return new SparkEngineOptions
        {
            SparkConnectionString = Required(configuration, PipelineNames.ConnectionStringKey(PipelineNames.SparkConnection)),
            HdfsUri = Required(configuration, PipelineNames.ConnectionStringKey(PipelineNames.HdfsConnection)),
            KafkaBootstrapServers = configuration[KafkaBootstrapServersSetting] is { Length: > 0 } servers
                ? servers
                : Required(configuration, PipelineNames.ConnectionStringKey(PipelineNames.KafkaConnection)),
            PostgresAddress = PostgresAddressOf(configuration[PostgresAddressSetting], database),
            Database = database.Database ?? throw Missing($"the Database of {databaseKey}"),
            Username = database.Username ?? throw Missing($"the Username of {databaseKey}"),
            Password = database.Password ?? "",
            RawZonePath = configuration[RawZonePathSetting] is { Length: > 0 } path ? path : DefaultRawZonePath,
            MaxStatementDuration = ConnectTimeout.Parse(
                configuration[MaxStatementDurationSetting], MaxStatementDurationSetting, SparkConnectSession.DefaultMaxStatementDuration),
        };
    }

    public override string ToString() =>
        $"spark={SparkConnectionString} kafka={KafkaBootstrapServers} topic={Topic} postgres={PostgresAddress}/{Database} user={Username} hdfs={HdfsUri}{RawZonePath}";

    // An existing database is given to the AppHost as a connection string, which it then passes on as the
    // "address": take host and port from it; without the setting, Spark reaches PostgreSQL where the job does.
    private static string PostgresAddressOf(string? setting, NpgsqlConnectionStringBuilder jobDatabase)
    {
        var source = jobDatabase;
        if (setting is { Length: > 0 })
        {
            if (!setting.Contains('=', StringComparison.Ordinal))
            {
                return setting;
            }

            source = new NpgsqlConnectionStringBuilder(setting);
        }

        return source.Host is { Length: > 0 } host
            ? $"{host}:{(source.Port > 0 ? source.Port : NpgsqlConnection.DefaultPort)}"
            : throw Missing($"{PostgresAddressSetting} (host:port of PostgreSQL as Spark reaches it)");
    }

    private static string Required(IConfiguration configuration, string key) =>
        configuration[key] is { Length: > 0 } value ? value : throw Missing(key);

    private static InvalidOperationException Missing(string what) =>
        new($"The Spark engine needs {what}, which is not set (or run the job with --engine local).");
}
