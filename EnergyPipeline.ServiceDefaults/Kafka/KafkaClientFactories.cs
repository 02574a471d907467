using Aspire.Confluent.Kafka;
using Confluent.Kafka;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// Builds producers of one registration: its configuration, the shared log and, unless disabled, statistics into
/// the metrics. The registered <see cref="IProducer{TKey,TValue}"/> is one <see cref="Create"/>; code that needs
/// more clients of the same registration asks the factory.
/// </summary>
public sealed class KafkaProducerFactory<TKey, TValue>(
    KafkaProducerSettings settings, KafkaClientLog log, KafkaClientMetrics? metrics, Action<ProducerBuilder<TKey, TValue>>? configure = null)
{
    private readonly KafkaClientHandlers _handlers = new(log, settings.DisableMetrics ? null : metrics);

    public ProducerConfig Config { get; } = new(settings.Config.ToDictionary());

    public IProducer<TKey, TValue> Create()
    {
        var builder = new ProducerBuilder<TKey, TValue>(Config);
        configure?.Invoke(builder);
        _handlers.Attach(h => builder.SetLogHandler(h), h => builder.SetErrorHandler(h), h => builder.SetStatisticsHandler(h));
        return builder.Build();
    }
}

/// <summary>Builds consumers of one registration; see <see cref="KafkaProducerFactory{TKey,TValue}"/>.</summary>
public sealed class KafkaConsumerFactory<TKey, TValue>(
    KafkaConsumerSettings settings, KafkaClientLog log, KafkaClientMetrics? metrics, Action<ConsumerBuilder<TKey, TValue>>? configure = null)
{
    private readonly KafkaClientHandlers _handlers = new(log, settings.DisableMetrics ? null : metrics);

    public ConsumerConfig Config { get; } = new(settings.Config.ToDictionary());

    public IConsumer<TKey, TValue> Create()
    {
        var builder = new ConsumerBuilder<TKey, TValue>(Config);
        configure?.Invoke(builder);
        _handlers.Attach(h => builder.SetLogHandler(h), h => builder.SetErrorHandler(h), h => builder.SetStatisticsHandler(h));
        return builder.Build();
    }
}

/// <summary>
/// The handlers every client of a registration gets: librdkafka's log and errors to the shared log, and its statistics
/// to the metrics unless they are disabled (null).
/// </summary>
internal sealed class KafkaClientHandlers(KafkaClientLog log, KafkaClientMetrics? metrics)
{
    /// <summary>
    /// Sets them through the builder's own setters (producer and consumer builders share no base type). A handler the
    /// caller's configure callback set already stays: Confluent.Kafka refuses a second one.
    /// </summary>
    public void Attach(
        Action<Action<IClient, LogMessage>> setLog, Action<Action<IClient, Error>> setError, Action<Action<IClient, string>> setStatistics)
    {
        TrySet(() => setLog(log.Log));
        TrySet(() => setError(log.Error));
        if (metrics is not null)
        {
            TrySet(() => setStatistics((_, json) => metrics.Record(json)));
        }
    }

    private static void TrySet(Action set)
    {
        try
        {
            set();
        }
        catch (InvalidOperationException)
        {
        }
    }
}
