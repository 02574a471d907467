using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// Registers Confluent.Kafka clients from <c>ConnectionStrings:{name}</c>, as Aspire.Confluent.Kafka does:
/// settings bound from configuration, librdkafka's log routed into <see cref="ILogger"/>, and a health check.
/// </summary>
public static class KafkaClientRegistration
{
    public const string ProducerSection = "Aspire:Confluent:Kafka:Producer";
    public const string ConsumerSection = "Aspire:Confluent:Kafka:Consumer";
    public const string LoggerCategory = "Confluent.Kafka";

    public static void AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaClientSettings>? configureSettings = null,
        Action<ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = builder.BindKafkaSettings(ProducerSection, connectionName, configureSettings);
        builder.Services.AddSingleton(sp =>
        {
            var config = new ProducerConfig(new Dictionary<string, string>(settings.Config)) { BootstrapServers = settings.ConnectionString };
            var producer = new ProducerBuilder<TKey, TValue>(config)
                .SetLogHandler(LogTo(sp))
                .SetErrorHandler(ErrorsTo(sp));
            configureBuilder?.Invoke(producer);
            return producer.Build();
        });
        builder.AddKafkaHealthCheck($"kafka-producer-{connectionName}", settings);
    }

    public static void AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaClientSettings>? configureSettings = null,
        Action<ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = builder.BindKafkaSettings(ConsumerSection, connectionName, configureSettings);
        builder.Services.AddSingleton(sp =>
        {
            var config = new ConsumerConfig(new Dictionary<string, string>(settings.Config)) { BootstrapServers = settings.ConnectionString };
            var consumer = new ConsumerBuilder<TKey, TValue>(config)
                .SetLogHandler(LogTo(sp))
                .SetErrorHandler(ErrorsTo(sp));
            configureBuilder?.Invoke(consumer);
            return consumer.Build();
        });
        builder.AddKafkaHealthCheck($"kafka-consumer-{connectionName}", settings);
    }

    /// <summary>librdkafka's syslog levels mapped onto <see cref="LogLevel"/>.</summary>
    public static LogLevel ToLogLevel(this SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    private static KafkaClientSettings BindKafkaSettings(
        this IHostApplicationBuilder builder, string section, string connectionName, Action<KafkaClientSettings>? configure)
    {
        var settings = new KafkaClientSettings();
        var configSection = builder.Configuration.GetSection(section);
        configSection.Bind(settings);
        configSection.GetSection(nameof(KafkaClientSettings.Config)).Bind(settings.Config);
        if (builder.Configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            settings.ConnectionString = connectionString;
        }

        configure?.Invoke(settings);
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            throw new InvalidOperationException(
                $"Kafka connection string is missing: set ConnectionStrings:{connectionName} (the AppHost does this) " +
                $"or '{section}:ConnectionString' to the bootstrap servers, host:port.");
        }

        return settings;
    }

    private static void AddKafkaHealthCheck(this IHostApplicationBuilder builder, string name, KafkaClientSettings settings)
    {
        if (settings.DisableHealthChecks)
        {
            return;
        }

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            _ => new KafkaHealthCheck(() => settings.ConnectionString, settings.HealthCheckTimeout),
            failureStatus: default,
            tags: default));
    }

    /// <summary>A librdkafka log handler that writes into <paramref name="logger"/> at the mapped level.</summary>
    public static Action<IClient, LogMessage> LogTo(ILogger logger) =>
        (_, message) => logger.Log(message.Level.ToLogLevel(), "[{Facility}] {KafkaMessage}", message.Facility, message.Message);

    private static Action<IClient, LogMessage> LogTo(IServiceProvider services) =>
        LogTo(services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory));

    private static Action<IClient, Error> ErrorsTo(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory);
        return (_, error) => logger.Log(
            error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka error {Code}: {Reason}", error.Code, error.Reason);
    }
}
