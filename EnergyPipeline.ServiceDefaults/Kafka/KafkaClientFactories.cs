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
    public ProducerConfig Config { get; } = new(settings.Config.ToDictionary());

    public IProducer<TKey, TValue> Create()
    {
        var builder = new ProducerBuilder<TKey, TValue>(Config);
        configure?.Invoke(builder);
        KafkaClientHandlers.TrySet(() => builder.SetLogHandler(log.Log));
        KafkaClientHandlers.TrySet(() => builder.SetErrorHandler(log.Error));
        if (metrics is not null && !settings.DisableMetrics)
        {
            KafkaClientHandlers.TrySet(() => builder.SetStatisticsHandler((_, json) => metrics.Record(json)));
        }

        return builder.Build();
    }
}

/// <summary>Builds consumers of one registration; see <see cref="KafkaProducerFactory{TKey,TValue}"/>.</summary>
public sealed class KafkaConsumerFactory<TKey, TValue>(
    KafkaConsumerSettings settings, KafkaClientLog log, KafkaClientMetrics? metrics, Action<ConsumerBuilder<TKey, TValue>>? configure = null)
{
    public ConsumerConfig Config { get; } = new(settings.Config.ToDictionary());

    public IConsumer<TKey, TValue> Create()
    {
        var builder = new ConsumerBuilder<TKey, TValue>(Config);
        configure?.Invoke(builder);
        KafkaClientHandlers.TrySet(() => builder.SetLogHandler(log.Log));
        KafkaClientHandlers.TrySet(() => builder.SetErrorHandler(log.Error));
        if (metrics is not null && !settings.DisableMetrics)
        {
            KafkaClientHandlers.TrySet(() => builder.SetStatisticsHandler((_, json) => metrics.Record(json)));
        }

        return builder.Build();
    }
}

internal static class KafkaClientHandlers
{
    /// <summary>A handler the caller's configure callback set already stays; Confluent.Kafka refuses a second one.</summary>
    public static void TrySet(Action set)
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
