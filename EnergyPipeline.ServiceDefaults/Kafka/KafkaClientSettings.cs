namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// Settings of a Kafka client registration, bound from <c>Aspire:Confluent:Kafka:{Producer|Consumer}</c>
/// in the shape of the official Aspire.Confluent.Kafka integration, so swapping it in later is a small change.
/// </summary>
public sealed class KafkaClientSettings
{
    /// <summary>The bootstrap servers, <c>host:port[,host:port]</c>; from <c>ConnectionStrings:{name}</c> when not set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Registers no health check when true.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Raw librdkafka properties (<c>linger.ms</c>, <c>compression.type</c>, ...), applied after the defaults.</summary>
    public Dictionary<string, string> Config { get; } = new(StringComparer.Ordinal);

    /// <summary>Timeout of the broker metadata request that the health check makes.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
