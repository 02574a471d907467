using EnergyPipeline.Connectivity;
using EnergyPipeline.SparkJob.Kafka;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.SparkJob;

/// <summary>The job's configuration section <c>Pipeline</c>.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";
    public const string EngineSetting = "Pipeline:Engine";
    public const string TopicSetting = "Pipeline:Topic";
    public const string ConnectTimeoutSetting = "Pipeline:ConnectTimeout";
    public const string ReadStallTimeoutSetting = "Pipeline:ReadStallTimeout";
    public const string RunHeartbeatSetting = "Pipeline:RunHeartbeat";

    /// <summary><c>spark</c> (default) or <c>local</c>.</summary>
    public string Engine { get; set; } = PipelineNames.SparkEngine;

    public string Topic { get; set; } = Messaging.RawEnergyTopic.Name;

    /// <summary>
    /// <c>Pipeline:ConnectTimeout</c>: how long the job tries to reach PostgreSQL, and Kafka or Spark Connect, at start (seconds, default 15).
    /// Named apart from the key so the binder, which would read "15" as fifteen days, leaves it to <see cref="Read"/>.
    /// </summary>
    public TimeSpan StartConnectTimeout => _connectTimeout;

    private TimeSpan _connectTimeout = Connectivity.ConnectTimeout.Default;

    /// <summary>
    /// <c>Pipeline:ReadStallTimeout</c>: the Kafka read fails when it makes no progress for this long (a stalled or
    /// stopped broker; seconds, default 60). Named apart from the key, like <see cref="StartConnectTimeout"/>.
    /// </summary>
    public TimeSpan KafkaReadStallTimeout => _readStallTimeout;

    private TimeSpan _readStallTimeout = SnapshotReader.DefaultStallTimeout;

    /// <summary>
    /// <c>Pipeline:RunHeartbeat</c>: how often a run renews its heartbeat in pipeline_runs (seconds, default 10); another
    /// run may mark it abandoned once the heartbeat is older than <see cref="Storage.QuarterlyStore.MissedHeartbeatsBeforeAbandoned"/> of these.
    /// </summary>
    public TimeSpan RunHeartbeat => _runHeartbeat;

    private TimeSpan _runHeartbeat = Storage.QuarterlyStore.DefaultRunHeartbeat;

    /// <summary>Command-line switches mapped onto configuration keys: <c>--engine local</c>, <c>--topic name</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--engine"] = EngineSetting,
        ["--topic"] = TopicSetting,
    };

    /// <summary>Reads and checks the section; the Spark subsection is bound by the Spark engine itself.</summary>
    public static PipelineOptions Read(IConfiguration configuration)
    {
        var options = new PipelineOptions();
        configuration.GetSection(Section).Bind(options);
        options.Engine = options.Engine.Trim().ToLowerInvariant();
        if (options.Engine is not (PipelineNames.SparkEngine or PipelineNames.LocalEngine))
        {
            throw new JobConfigurationException($"{EngineSetting} is '{options.Engine}'; use '{PipelineNames.SparkEngine}' or '{PipelineNames.LocalEngine}'.");
        }

        if (Messaging.RawEnergyTopic.TopicNameProblem(options.Topic) is { } problem)
        {
            throw new JobConfigurationException($"{TopicSetting}: {problem}.");
        }

        try
        {
            options._connectTimeout = Connectivity.ConnectTimeout.Parse(configuration[ConnectTimeoutSetting], ConnectTimeoutSetting);
            options._readStallTimeout = Connectivity.ConnectTimeout.Parse(
                configuration[ReadStallTimeoutSetting], ReadStallTimeoutSetting, SnapshotReader.DefaultStallTimeout);
            options._runHeartbeat = Connectivity.ConnectTimeout.Parse(
                configuration[RunHeartbeatSetting], RunHeartbeatSetting, Storage.QuarterlyStore.DefaultRunHeartbeat);
        }
        catch (ConnectionSettingException ex)
        {
            throw new JobConfigurationException(ex.Message);
        }

        return options;
    }

    /// <summary>A connection string the job needs, or a clear error naming the setting.</summary>
    public static string RequireConnectionString(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new JobConfigurationException(
                $"Connection string '{name}' is missing: set {PipelineNames.ConnectionStringKey(name)} (the AppHost does this; " +
                $"environment variable ConnectionStrings__{name}).");
}

/// <summary>A configuration error: reported in one line, exit code 2.</summary>
public sealed class JobConfigurationException(string message) : Exception(message);
