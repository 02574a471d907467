namespace EnergyPipeline.SparkJob.Spark;

/// <summary>The engine's options, each checked against a strict pattern before any of it reaches Spark SQL.</summary>
public sealed record SparkPlanInputs
{
    private SparkPlanInputs(string kafkaBootstrapServers, string topic, string postgresAddress, string database, string username, string password, string rawZoneUri)
    {
        KafkaBootstrapServers = kafkaBootstrapServers;
        Topic = topic;
        PostgresAddress = postgresAddress;
        Database = database;
        Username = username;
        Password = password;
        RawZoneUri = rawZoneUri;
    }

    public string KafkaBootstrapServers { get; }

    public string Topic { get; }

    public string PostgresAddress { get; }

    public string Database { get; }

    public string Username { get; }

    /// <summary>Free text: it is only ever written through <see cref="SparkSqlText.Literal"/>.</summary>
    public string Password { get; }

    /// <summary>The raw zone directory as a full hdfs:// URI; each run writes below it (<see cref="RunRawZoneUri"/>).</summary>
    public string RawZoneUri { get; }

    /// <summary>
    /// The run's own directory, <c>run_id=&lt;uuid&gt;</c> below the raw zone: Hive-style, so reading the raw zone
    /// whole gives a run_id column, and the published run (pipeline_runs.raw_zone_uri) names the current one.
    /// </summary>
    public string RunRawZoneUri(Guid runId) =>
        $"{RawZoneUri}/run_id={runId.ToString("D", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// stringtype=unspecified lets PostgreSQL convert the run id Spark sends as text into the uuid column.
    /// </summary>
    public string JdbcUrl => $"jdbc:postgresql://{PostgresAddress}/{Database}?stringtype=unspecified";

    public static SparkPlanInputs From(SparkEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hdfs = SparkSqlText.HdfsUri(options.HdfsUri, "ConnectionStrings:hdfs");
        var rawZonePath = options.RawZonePath.Trim();
        var rawZone = SparkSqlText.HdfsUri(hdfs + (rawZonePath.StartsWith('/') ? "" : "/") + rawZonePath, SparkEngineOptions.RawZonePathSetting);
        if (rawZone == hdfs)
        {
            throw new ArgumentException($"{SparkEngineOptions.RawZonePathSetting} must name a directory below the file system's root: the run replaces it.");
        }

        return new SparkPlanInputs(
            SparkSqlText.HostPortList(options.KafkaBootstrapServers, SparkEngineOptions.KafkaBootstrapServersSetting),
            SparkSqlText.Topic(options.Topic, "the topic"),
            SparkSqlText.HostPort(options.PostgresAddress, SparkEngineOptions.PostgresAddressSetting),
            SparkSqlText.Identifier(options.Database, "the database of ConnectionStrings:energy_db"),
            SparkSqlText.Identifier(options.Username, "the user of ConnectionStrings:energy_db"),
            options.Password,
            rawZone);
    }

    public override string ToString() =>
        $"kafka={KafkaBootstrapServers} topic={Topic} jdbc={JdbcUrl} user={Username} rawZone={RawZoneUri}";
}
