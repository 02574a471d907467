namespace EnergyPipeline;

/// <summary>
/// Names the AppHost gives and the services read: the connection strings (<c>ConnectionStrings:NAME</c>) and the
/// job's engines (<c>Pipeline:Engine</c>). Defined here, where both sides see them without the AppHost referencing a
/// service's internals.
/// </summary>
public static class PipelineNames
{
    /// <summary>Kafka's bootstrap servers, <c>host:port[,host:port]</c>.</summary>
    public const string KafkaConnection = "kafka";

    /// <summary>The PostgreSQL database of the figures, an Npgsql connection string (also the database's name).</summary>
    public const string DatabaseConnection = "energy_db";

    /// <summary>The Spark Connect endpoint, <c>sc://host:15002</c>.</summary>
    public const string SparkConnection = "spark";

    /// <summary>The HDFS file system of the raw zone, <c>hdfs://host:8020</c>.</summary>
    public const string HdfsConnection = "hdfs";

    /// <summary>The job's engine that drives Apache Spark through Spark Connect.</summary>
    public const string SparkEngine = "spark";

    /// <summary>The job's in-process engine.</summary>
    public const string LocalEngine = "local";

    /// <summary>The configuration key of a connection string: <c>ConnectionStrings:NAME</c>.</summary>
    public static string ConnectionStringKey(string name) => $"ConnectionStrings:{name}";
}
