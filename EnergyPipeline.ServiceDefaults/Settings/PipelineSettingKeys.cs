using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Settings;

/// <summary>
/// What the programs of the pipeline read between them, for the one place they share: the environment. The AppHost's
/// services inherit its environment, so a variable meant for one program reaches all three; there a program accepts the
/// keys any of them reads, while its command line and its appsettings.json take only its own. The keys are tested to
/// be exactly those of the three programs' settings lists under <c>Pipeline:</c> and <c>Ingestor:</c>.
/// </summary>
public static class PipelineSettingKeys
{
    /// <summary>The sections whose keys the programs check; anything else in the configuration is not theirs to judge.</summary>
    public const string PipelineSection = "Pipeline";

    public const string IngestorSection = "Ingestor";

    /// <summary>The client registrations' section (Aspire:Confluent:Kafka:..., Aspire:Npgsql).</summary>
    public const string AspireSection = "Aspire";

    /// <summary>Every key under <c>Pipeline:</c> and <c>Ingestor:</c> that the AppHost, the ingestor or the job reads.</summary>
    public static IReadOnlySet<string> Keys { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Pipeline:Infrastructure",
        "Pipeline:Engine",
        "Pipeline:Postgres:BinDirectory",
        "Pipeline:Spark:Workers",
        "Pipeline:ExitWhenDone",
        "Pipeline:Embedded:DataDirectory",
        "Pipeline:Embedded:ThrowAway",
        "Pipeline:Topic",
        "Pipeline:ConnectTimeout",
        "Pipeline:ReadStallTimeout",
        "Pipeline:RunHeartbeat",
        "Pipeline:Spark:KafkaBootstrapServers",
        "Pipeline:Spark:PostgresAddress",
        "Pipeline:Spark:RawZonePath",
        "Pipeline:Spark:MaxStatementDuration",
        "Pipeline:Grafana:ReaderRole",
        "Pipeline:Grafana:ReaderPassword",
        "Pipeline:PgWeb:ReaderRole",
        "Pipeline:PgWeb:ReaderPassword",
        "Pipeline:CompletionKey",
        "Ingestor:File",
        "Ingestor:DataDirectory",
        "Ingestor:Topic",
        "Ingestor:Partitions",
        "Ingestor:ReplicationFactor",
        "Ingestor:ConnectTimeout",
        "Ingestor:DownloadUrl",
        "Ingestor:ExpectedSha256",
        "Ingestor:MessageTimeoutMs",
        "Ingestor:RowsPerBatchSpan",
        "Ingestor:MalformedSampleSize",
        "Ingestor:MaxMalformedLines",
    };

    /// <summary>
    /// The sections of the client registrations in the pipeline: the ingestor's Kafka producer, the job's Kafka consumer
    /// and its Npgsql data source. In the environment, a key below another program's client is that program's to check.
    /// </summary>
    public static IReadOnlyList<string> ClientSections { get; } =
        [KafkaClientRegistration.ProducerSection, KafkaClientRegistration.ConsumerSection, "Aspire:Npgsql"];
}
