using Confluent.Kafka;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// Settings of a producer registration, bound from <c>Aspire:Confluent:Kafka:Producer</c> and then
/// <c>Aspire:Confluent:Kafka:Producer:{connectionName}</c>, in the shape of the official Aspire.Confluent.Kafka.
/// </summary>
public sealed class KafkaProducerSettings
{
    /// <summary>The bootstrap servers, <c>host:port[,host:port]</c>; <c>ConnectionStrings:{name}</c> wins when set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>librdkafka properties (<c>linger.ms</c>, <c>compression.type</c>, ...).</summary>
    public ProducerConfig Config { get; } = new();

    /// <summary>No statistics instruments when true (and no <c>statistics.interval.ms</c> default).</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>Registers no health check when true.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>
    /// Kept for the official shape. No Kafka client instrumentation is served here
    /// (OpenTelemetry.Instrumentation.ConfluentKafka), so there is nothing to switch off: the services' spans are their own.
    /// </summary>
    public bool DisableTracing { get; set; }
}

/// <summary>
/// Settings of a consumer registration, bound from <c>Aspire:Confluent:Kafka:Consumer</c> and then
/// <c>Aspire:Confluent:Kafka:Consumer:{connectionName}</c>, in the shape of the official Aspire.Confluent.Kafka.
/// </summary>
public sealed class KafkaConsumerSettings
{
    /// <inheritdoc cref="KafkaProducerSettings.ConnectionString"/>
    public string? ConnectionString { get; set; }

    /// <summary>librdkafka properties; <c>group.id</c> is required.</summary>
    public ConsumerConfig Config { get; } = new();

    /// <inheritdoc cref="KafkaProducerSettings.DisableMetrics"/>
    public bool DisableMetrics { get; set; }

    /// <inheritdoc cref="KafkaProducerSettings.DisableHealthChecks"/>
    public bool DisableHealthChecks { get; set; }

    /// <inheritdoc cref="KafkaProducerSettings.DisableTracing"/>
    public bool DisableTracing { get; set; }
}
