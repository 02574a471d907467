using EnergyPipeline.Settings;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Ingestor.Configuration;

/// <summary>Every setting the ingestor reads, once: <c>--help</c> prints this list and the docs' ingestor settings table is tested against it.</summary>
public static class IngestorSettings
{
    private static readonly IngestorOptions Defaults = new();

    public static readonly SettingsList All = new(
        new(PipelineNames.ConnectionStringKey(PipelineNames.KafkaConnection), SettingDescriptor.Required, "Kafka bootstrap servers, host:port[,...]."),
        new(Key(nameof(IngestorOptions.File)), SettingDescriptor.None,
            "The file to ingest (also --file); it must exist (never downloaded). Without it: the data set in DataDirectory, downloaded there when absent, or a generated file when offline."),
        new(Key(nameof(IngestorOptions.DataDirectory)), Defaults.DataDirectory,
            "Where the UCI file is looked for and downloaded to (the AppHost passes the repository's data/)."),
        new(Key(nameof(IngestorOptions.Topic)), Defaults.Topic, "The topic to write (its control topic is the name + _completions)."),
        new(Key(nameof(IngestorOptions.Partitions)), SettingDescriptor.Number(Defaults.Partitions),
            "Partitions of a topic the ingestor creates (the AppHost passes the embedded topic's count)."),
        new(Key(nameof(IngestorOptions.ReplicationFactor)), SettingDescriptor.Number(Defaults.ReplicationFactor), "Replication factor of the topics it creates."),
        new(Key(nameof(IngestorOptions.ConnectTimeout)), SettingDescriptor.Seconds(Connectivity.ConnectTimeout.Default),
            "Seconds (or a time span) to try to reach Kafka at start."),
        new(Key(nameof(IngestorOptions.DownloadUrl)), "(the UCI archive)", "Where to download the data set from."),
        new(Key(nameof(IngestorOptions.ExpectedSha256)), "(the UCI file's)", "The SHA-256 a downloaded file must have."),
        new(Key(nameof(IngestorOptions.MessageTimeoutMs)), SettingDescriptor.Number(Defaults.MessageTimeoutMs),
            "librdkafka message.timeout.ms: a message not acknowledged within it fails the run."),
        new(Key(nameof(IngestorOptions.RowsPerBatchSpan)), SettingDescriptor.Number(Defaults.RowsPerBatchSpan), "Readings per publish span in the trace."),
        new(Key(nameof(IngestorOptions.MaxMalformedLines)), SettingDescriptor.Number(Defaults.MaxMalformedLines),
            "Malformed lines a file may have (ingest and validate): above it the run fails with exit code 1 and writes no completion record; within it the lines are skipped and counted by reason in the summary, the completion record and pipeline_runs."),
        new(Key(nameof(IngestorOptions.MalformedSampleSize)), SettingDescriptor.Number(Defaults.MalformedSampleSize), "Malformed lines written to the log."),
        new(Messaging.CompletionKey.Setting, SettingDescriptor.None,
            $"The secret (at least {Messaging.CompletionKey.MinimumLength} characters) the completion record is signed with; the job needs the same one. The AppHost passes its generated parameter completion-key. Unset: the record is unsigned, said in one warning line."),
        new($"{KafkaClientRegistration.ProducerSection}:Config:NAME", SettingDescriptor.None,
            "A librdkafka producer property (e.g. linger.ms); it wins over the ingestor's defaults."));

    /// <summary>Keys below Ingestor: and Aspire: that the ingestor would ignore: a usage error naming the closest known key.</summary>
    public static readonly UnknownSettingCheck UnknownKeys = new(
        All, [PipelineSettingKeys.IngestorSection, PipelineSettingKeys.AspireSection], KafkaClientRegistration.ProducerSettingsShape(PipelineNames.KafkaConnection));

    private static string Key(string property) => $"{IngestorOptions.Section}:{property}";
}
