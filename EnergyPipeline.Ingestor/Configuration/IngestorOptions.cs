using EnergyPipeline.Messaging;

namespace EnergyPipeline.Ingestor.Configuration;

/// <summary>Section <c>Ingestor</c> of the configuration.</summary>
public sealed class IngestorOptions
{
    public const string Section = "Ingestor";

    public const string DefaultDownloadUrl =
        "https://archive.ics.uci.edu/static/public/235/individual+household+electric+power+consumption.zip";

    /// <summary>SHA-256 of the real household_power_consumption.txt (docs/contract.md, *The input file*).</summary>
    public const string RealFileSha256 = "4259c9d7ece5dbee9ab8d53682baac68d791c864f0f64a52b4043cb3b90894b7";

    /// <summary>An explicit file: it must exist (never downloaded).</summary>
    public string? File { get; set; }

    /// <summary>Where the data set lives when no file is given; downloaded there when absent.</summary>
    public string DataDirectory { get; set; } = "data";

    public string Topic { get; set; } = RawEnergyTopic.Name;

    public int Partitions { get; set; } = RawEnergyTopic.DefaultPartitions;

    public short ReplicationFactor { get; set; } = 1;

    public string DownloadUrl { get; set; } = DefaultDownloadUrl;

    public string ExpectedSha256 { get; set; } = RealFileSha256;

    /// <summary>Rows per "publish" span (the unit the trace shows; librdkafka batches on its own).</summary>
    public int RowsPerBatchSpan { get; set; } = 20_000;

    /// <summary>librdkafka message.timeout.ms: a message not acknowledged within it fails the run.</summary>
    public int MessageTimeoutMs { get; set; } = 120_000;

    public int MalformedSampleSize { get; set; } = 20;

    /// <summary>
    /// Malformed lines an ingestion accepts (skipped, counted by reason); above it the ingestion fails and writes no
    /// completion record. <c>validate</c> takes the same limit for its exit code.
    /// </summary>
    public long MaxMalformedLines { get; set; }

    /// <summary>How long the ingestor tries to reach Kafka at start: seconds or a time span (default 15 s).</summary>
    public string? ConnectTimeout { get; set; }

    public TimeSpan ConnectTimeoutSpan => Connectivity.ConnectTimeout.Parse(ConnectTimeout, $"{Section}:{nameof(ConnectTimeout)}");

    public void Validate()
    {
        if (RawEnergyTopic.TopicNameProblem(Topic) is { } problem)
        {
            throw new InvalidOperationException($"Ingestor:Topic: {problem}.");
        }

        if (Partitions < 1)
        {
            throw new InvalidOperationException($"Ingestor:Partitions must be at least 1, not {Partitions}.");
        }

        if (MaxMalformedLines < 0)
        {
            throw new InvalidOperationException($"Ingestor:MaxMalformedLines must be 0 or more, not {MaxMalformedLines}.");
        }

        if (RowsPerBatchSpan < 1 || MessageTimeoutMs < 1)
        {
            throw new InvalidOperationException("Ingestor:RowsPerBatchSpan and MessageTimeoutMs must be positive.");
        }

        try
        {
            _ = ConnectTimeoutSpan;
        }
        catch (Connectivity.ConnectionSettingException ex)
        {
            throw new InvalidOperationException(ex.Message);
        }
    }
}
