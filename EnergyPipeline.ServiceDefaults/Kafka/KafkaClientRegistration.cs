using Aspire.Confluent.Kafka;
using Confluent.Kafka;
using EnergyPipeline.ServiceDefaults.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers Confluent.Kafka producers and consumers from <c>ConnectionStrings:{name}</c> in the shape of
/// Aspire.Confluent.Kafka (not served here): settings bound from <c>Aspire:Confluent:Kafka:{Producer|Consumer}</c>
/// then its <c>:{name}</c> subsection, librdkafka's log through <see cref="KafkaClientLog"/>, statistics as
/// instruments, and one health check per registration, a singleton that owns its client.
/// </summary>
public static class KafkaClientRegistration
{
    public const string ProducerSection = "Aspire:Confluent:Kafka:Producer";
    public const string ConsumerSection = "Aspire:Confluent:Kafka:Consumer";
    public const string ProducerHealthCheckName = "Aspire.Confluent.Kafka.Producer";
    public const string ConsumerHealthCheckName = "Aspire.Confluent.Kafka.Consumer";

    private const int DefaultStatisticsIntervalMs = 1000;

    /// <summary>The keys a producer registered under <paramref name="connectionName"/> binds (its unknown-key check).</summary>
    public static EnergyPipeline.Settings.ClientSettingsShape ProducerSettingsShape(string connectionName) =>
        new(ProducerSection, connectionName, typeof(KafkaProducerSettings));

    /// <summary>The keys a consumer registered under <paramref name="connectionName"/> binds (its unknown-key check).</summary>
    public static EnergyPipeline.Settings.ClientSettingsShape ConsumerSettingsShape(string connectionName) =>
        new(ConsumerSection, connectionName, typeof(KafkaConsumerSettings));
    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(5);

    public static void AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddProducer(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>A producer registered under the key <paramref name="name"/>, which is also its connection name.</summary>
    public static void AddKeyedKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string name,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        AddProducer(builder, name, serviceKey: name, configureSettings, configureBuilder);
    }

    public static void AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddConsumer(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>A consumer registered under the key <paramref name="name"/>, which is also its connection name.</summary>
    public static void AddKeyedKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string name,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        AddConsumer(builder, name, serviceKey: name, configureSettings, configureBuilder);
    }

    private static void AddProducer<TKey, TValue>(
        IHostApplicationBuilder builder, string connectionName, string? serviceKey,
        Action<KafkaProducerSettings>? configureSettings, Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);

        var settings = new KafkaProducerSettings();
        Bind(builder.Configuration, ProducerSection, connectionName, settings, settings.Config);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        Consolidate(settings.Config, settings.ConnectionString, settings.DisableMetrics, ProducerSection, connectionName);

        AddShared(builder, settings.DisableMetrics);
        Func<IServiceProvider, KafkaProducerFactory<TKey, TValue>> factory = sp => new KafkaProducerFactory<TKey, TValue>(
            settings, sp.GetRequiredService<KafkaClientLog>(), sp.GetRequiredService<KafkaClientMetrics>(),
            configureBuilder is null ? null : b => configureBuilder(sp, b));
        if (serviceKey is null)
        {
            builder.Services.AddSingleton(factory);
            builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaProducerFactory<TKey, TValue>>().Create());
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (sp, _) => factory(sp));
            builder.Services.AddKeyedSingleton(serviceKey, (sp, key) => sp.GetRequiredKeyedService<KafkaProducerFactory<TKey, TValue>>(key).Create());
        }

        if (!settings.DisableHealthChecks)
        {
            AddHealthCheck(builder, serviceKey is null ? ProducerHealthCheckName : $"{ProducerHealthCheckName}_{connectionName}", settings.Config.BootstrapServers);
        }
    }

    private static void AddConsumer<TKey, TValue>(
        IHostApplicationBuilder builder, string connectionName, string? serviceKey,
        Action<KafkaConsumerSettings>? configureSettings, Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);

        var settings = new KafkaConsumerSettings();
        KafkaConsumerPrefetch.ApplyDefaults(settings.Config);
        Bind(builder.Configuration, ConsumerSection, connectionName, settings, settings.Config);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        Consolidate(settings.Config, settings.ConnectionString, settings.DisableMetrics, ConsumerSection, connectionName);
        if (string.IsNullOrEmpty(settings.Config.GroupId))
        {
            throw new InvalidOperationException($"Kafka consumer '{connectionName}' has no group id: set '{ConsumerSection}:Config:GroupId'.");
        }

        AddShared(builder, settings.DisableMetrics);
        Func<IServiceProvider, KafkaConsumerFactory<TKey, TValue>> factory = sp => new KafkaConsumerFactory<TKey, TValue>(
            settings, sp.GetRequiredService<KafkaClientLog>(), sp.GetRequiredService<KafkaClientMetrics>(),
            configureBuilder is null ? null : b => configureBuilder(sp, b));
        if (serviceKey is null)
        {
            builder.Services.AddSingleton(factory);
            builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaConsumerFactory<TKey, TValue>>().Create());
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (sp, _) => factory(sp));
            builder.Services.AddKeyedSingleton(serviceKey, (sp, key) => sp.GetRequiredKeyedService<KafkaConsumerFactory<TKey, TValue>>(key).Create());
        }

        if (!settings.DisableHealthChecks)
        {
            AddHealthCheck(builder, serviceKey is null ? ConsumerHealthCheckName : $"{ConsumerHealthCheckName}_{connectionName}", settings.Config.BootstrapServers);
        }
    }

    /// <summary>
    /// The section, then its <c>{connectionName}</c> subsection. <c>Config</c> takes both the typed names
    /// (<c>LingerMs</c>) and librdkafka's own (<c>linger.ms</c>).
    /// </summary>
    private static void Bind(IConfiguration configuration, string sectionName, string connectionName, object settings, ClientConfig config)
    {
        var section = configuration.GetSection(sectionName);
        foreach (var source in new[] { section, section.GetSection(connectionName) })
        {
            source.Bind(settings);
            var configSection = source.GetSection("Config");
            configSection.Bind(config);
            foreach (var property in configSection.GetChildren().Where(c => c.Key.Contains('.', StringComparison.Ordinal) && c.Value is not null))
            {
                config.Set(property.Key, property.Value!);
            }
        }
    }

    private static void Consolidate(ClientConfig config, string? connectionString, bool disableMetrics, string section, string connectionName)
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            config.BootstrapServers = connectionString;
        }

        if (string.IsNullOrWhiteSpace(config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"Kafka connection string is missing: set ConnectionStrings:{connectionName} (the AppHost does this) " +
                $"or '{section}:ConnectionString' to the bootstrap servers, host:port.");
        }

        if (!disableMetrics && config.Get("statistics.interval.ms") is null)
        {
            config.Set("statistics.interval.ms", DefaultStatisticsIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static void AddShared(IHostApplicationBuilder builder, bool disableMetrics)
    {
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(sp => new KafkaClientLog(sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.TryAddSingleton<KafkaClientMetrics>();
        if (!disableMetrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(KafkaClientMetrics.MeterName));
        }
    }

    /// <summary>
    /// One check per name, a keyed singleton: the registration's factory hands out that instance on every run, and
    /// the container disposes it (and its admin client) with the host.
    /// </summary>
    private static void AddHealthCheck(IHostApplicationBuilder builder, string name, string bootstrapServers)
    {
        builder.Services.TryAddKeyedSingleton(name, (sp, _) =>
            new KafkaHealthCheck(() => bootstrapServers, HealthCheckTimeout, sp.GetRequiredService<KafkaClientLog>()));
        builder.Services.AddHealthChecks();
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (!options.Registrations.Any(r => r.Name == name))
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    name, sp => sp.GetRequiredKeyedService<KafkaHealthCheck>(name), failureStatus: default, tags: default));
            }
        });
    }
}
