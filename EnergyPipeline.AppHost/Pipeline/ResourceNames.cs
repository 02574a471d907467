namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// The names of the model's resources, as the dashboard, the console report and the commands know them. A service
/// given as <c>ConnectionStrings:NAME</c> becomes a connection-string resource of the same name (underscores, which
/// resource names do not allow, as hyphens).
/// </summary>
public static class ResourceNames
{
    public const string Kafka = PipelineNames.KafkaConnection;
    public const string Postgres = "postgres";

    /// <summary>The database <c>energy_db</c> as a resource.</summary>
    public const string EnergyDatabase = "energy-db";

    /// <summary>The PostgreSQL superuser's password, container or embedded (a generated secret parameter).</summary>
    public const string PostgresPassword = "postgres-password";

    /// <summary>The key both services sign and verify completion records with (a generated secret parameter).</summary>
    public const string CompletionKey = "completion-key";
    public const string Ingestor = "ingestor";
    public const string Job = "spark-job";

    /// <summary>HDFS's name node container; <c>hdfs</c> when HDFS is given as a connection string.</summary>
    public const string NameNode = "namenode";

    public const string Hdfs = PipelineNames.HdfsConnection;
    public const string Spark = PipelineNames.SparkConnection;
    public const string Grafana = "grafana";
    public const string PgWeb = "pgweb";
}
