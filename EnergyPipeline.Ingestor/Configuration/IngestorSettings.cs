using EnergyPipeline.Settings;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Ingestor.Configuration;

/// <summary>Every setting the ingestor reads, once: <c>--help</c> prints this list and the docs' ingestor settings table is tested against it.</summary>
public static class IngestorSettings
{
    private static readonly IngestorOptions Defaults = new();

    public static readonly SettingsList All = new(
        new(PipelineNames.ConnectionStringKey(PipelineNames.KafkaConnection), SettingDescriptor.Required, "Kafka bootstrap servers (host:port)."),
        new(Key(nameof(IngestorOptions.File)), SettingDescriptor.None,
            "The file to ingest (also --file); else the data set in DataDirectory, downloaded there when absent, or a generated file when offline."),
        new(Key(nameof(IngestorOptions.DataDirectory)), Defaults.DataDirectory, "Where the data set is kept."),
        new(Key(nameof(IngestorOptions.Topic)), Defaults.Topic, "The topic to write; its completion records go to the topic's name + _completions."),
        new(Key(nameof(IngestorOptions.Partitions)), SettingDescriptor.Number(Defaults.Partitions), "Partitions of the topic when the ingestor creates it."),
        new(Key(nameof(IngestorOptions.ReplicationFactor)), SettingDescriptor.Number(Defaults.ReplicationFactor), "Replication factor of the topics the ingestor creates."),
        new(Key(nameof(IngestorOptions.ConnectTimeout)), SettingDescriptor.Seconds(Connectivity.ConnectTimeout.Default),
            "Seconds (or a time span) to reach Kafka at start."),
        new(Key(nameof(IngestorOptions.DownloadUrl)), "the UCI archive", "Where the data set is downloaded from."),
        new(Key(nameof(IngestorOptions.ExpectedSha256)), "the UCI file's", "SHA-256 the downloaded file must have."),
        new(Key(nameof(IngestorOptions.MessageTimeoutMs)), SettingDescriptor.Number(Defaults.MessageTimeoutMs),
            "A message Kafka has not acknowledged within this many milliseconds fails the run."),
        new(Key(nameof(IngestorOptions.RowsPerBatchSpan)), SettingDescriptor.Number(Defaults.RowsPerBatchSpan), "Readings per publish span of the trace."),
        new(Key(nameof(IngestorOptions.MalformedSampleSize)), SettingDescriptor.Number(Defaults.MalformedSampleSize), "Malformed lines reported by line number and reason."),
        new($"{KafkaClientRegistration.ProducerSection}:Config:NAME", SettingDescriptor.None, "A librdkafka producer property (e.g. linger.ms)."));

    private static string Key(string property) => $"{IngestorOptions.Section}:{property}";
}
