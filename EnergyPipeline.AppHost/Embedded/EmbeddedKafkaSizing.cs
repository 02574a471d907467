namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// How many partitions the embedded topic needs. The mock broker keeps at most 5 MiB of stored (compressed) batches
/// per partition and silently drops older ones, and never compacts: every ingestion of the file adds a full copy.
/// The topic is sized for <see cref="Copies"/> full copies of the data set with a margin, so that many runs of
/// "Run the pipeline again" keep every message; past that the job's completeness check refuses to publish, and
/// restarting the AppHost resets embedded Kafka.
/// </summary>
public static class EmbeddedKafkaSizing
{
    /// <summary>Full copies of the data set the topic holds (the first ingestion plus three re-runs).</summary>
    public const int Copies = 4;

    /// <summary>librdkafka mock: bytes of stored batches kept per partition (rdkafka_mock.c, 5 MiB).</summary>
    public const long PartitionRetentionBytes = 5L * 1024 * 1024;

    /// <summary>Rows of the full data set (docs/contract.md, *The input file*).</summary>
    public const long DataSetRows = 2_075_259;

    /// <summary>
    /// Stored bytes per reading in the mock: key and JSON value (no headers) in the ingestor's lz4 batches, 44.6
    /// measured (BENCHMARKS.md, "Embedded Kafka sizing"); the fill limit below covers uneven partitioning.
    /// </summary>
    public const int StoredBytesPerReading = 47;

    /// <summary>Each partition is filled to at most this share of its retention.</summary>
    public const double FillLimit = 0.6;

    /// <summary>Partitions for <see cref="Copies"/> full copies of the data set.</summary>
    public static int Partitions() => PartitionsFor(Copies * DataSetRows);

    /// <summary>Partitions that keep <paramref name="readings"/> readings, each filled to at most <paramref name="fillLimit"/>.</summary>
    public static int PartitionsFor(long readings, double fillLimit = FillLimit) =>
        (int)Math.Ceiling(readings * StoredBytesPerReading / (PartitionRetentionBytes * fillLimit));
}
