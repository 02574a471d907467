using Confluent.Kafka;
using EnergyPipeline.ServiceDefaults.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EnergyPipeline.Tests.ServiceDefaults;

public sealed class KafkaClientRegistrationTests
{
    [Fact]
    public void Settings_come_from_the_section_then_the_named_subsection_then_the_connection_string()
    {
        var builder = Builder(
            ("ConnectionStrings:kafka", "broker.example:9092"),
            ("Aspire:Confluent:Kafka:Producer:ConnectionString", "ignored.example:1"),
            ("Aspire:Confluent:Kafka:Producer:Config:LingerMs", "5"),
            ("Aspire:Confluent:Kafka:Producer:Config:compression.type", "gzip"),
            ("Aspire:Confluent:Kafka:Producer:kafka:Config:linger.ms", "7"),
            ("Aspire:Confluent:Kafka:Producer:other:Config:linger.ms", "99"));

        builder.AddKafkaProducer<string, string>("kafka");

        using var host = builder.Build();
        var config = host.Services.GetRequiredService<KafkaProducerFactory<string, string>>().Config;
        Assert.Equal("broker.example:9092", config.BootstrapServers);
        Assert.Equal("7", config.Get("linger.ms"));
        Assert.Equal("gzip", config.Get("compression.type"));
        Assert.Equal("1000", config.Get("statistics.interval.ms"));
    }

    [Fact]
    public void Code_settings_win_over_configuration_and_disabling_metrics_leaves_statistics_off()
    {
        var builder = Builder(("ConnectionStrings:kafka", "broker.example:9092"), ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "from-config"));

        builder.AddKafkaConsumer<string, string>("kafka", settings =>
        {
            settings.Config.GroupId = "from-code";
            settings.DisableMetrics = true;
        });

        using var host = builder.Build();
        var config = host.Services.GetRequiredService<KafkaConsumerFactory<string, string>>().Config;
        Assert.Equal("from-code", config.GroupId);
        Assert.Null(config.Get("statistics.interval.ms"));
    }

    [Fact]
    public void Consumers_prefetch_at_most_8_MiB_unless_configuration_says_otherwise()
    {
        var bounded = Builder(("ConnectionStrings:kafka", "broker.example:9092"), ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "g"));
        bounded.AddKafkaConsumer<string, string>("kafka");
        var configured = Builder(
            ("ConnectionStrings:kafka", "broker.example:9092"),
            ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "g"),
            ("Aspire:Confluent:Kafka:Consumer:Config:queued.max.messages.kbytes", "65536"),
            ("Aspire:Confluent:Kafka:Consumer:kafka:Config:FetchMaxBytes", "52428800"));
        configured.AddKafkaConsumer<string, string>("kafka");

        using var boundedHost = bounded.Build();
        using var configuredHost = configured.Build();
        var defaults = boundedHost.Services.GetRequiredService<KafkaConsumerFactory<string, string>>().Config;
        var overridden = configuredHost.Services.GetRequiredService<KafkaConsumerFactory<string, string>>().Config;
        // librdkafka's own defaults are 65536 KiB, 100000 messages, 52428800 bytes and 1000 ms.
        Assert.Equal(("8192", "5000", "8388608", "2"),
            (defaults.Get("queued.max.messages.kbytes"), defaults.Get("queued.min.messages"), defaults.Get("fetch.max.bytes"), defaults.Get("fetch.queue.backoff.ms")));
        Assert.Equal(("65536", "5000", "52428800"),
            (overridden.Get("queued.max.messages.kbytes"), overridden.Get("queued.min.messages"), overridden.Get("fetch.max.bytes")));
    }

    [Fact]
    public void Keyed_registrations_are_apart_each_with_its_own_health_check()
    {
        var builder = Builder(("ConnectionStrings:a", "a.example:9092"), ("ConnectionStrings:b", "b.example:9092"));

        builder.AddKeyedKafkaProducer<string, string>("a");
        builder.AddKeyedKafkaProducer<string, string>("b", settings => settings.DisableHealthChecks = true);
        builder.AddKeyedKafkaConsumer<string, string>("a", settings => settings.Config.GroupId = "g");

        using var host = builder.Build();
        Assert.Equal("a.example:9092", host.Services.GetRequiredKeyedService<KafkaProducerFactory<string, string>>("a").Config.BootstrapServers);
        Assert.Equal("b.example:9092", host.Services.GetRequiredKeyedService<KafkaProducerFactory<string, string>>("b").Config.BootstrapServers);
        Assert.Null(host.Services.GetService<KafkaProducerFactory<string, string>>());
        Assert.Equal(
            ["Aspire.Confluent.Kafka.Consumer_a", "Aspire.Confluent.Kafka.Producer_a"],
            host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Missing_bootstrap_servers_or_group_id_are_refused_with_the_setting_to_set()
    {
        var missingServers = Assert.Throws<InvalidOperationException>(() => Builder().AddKafkaProducer<string, string>("kafka"));
        var missingGroup = Assert.Throws<InvalidOperationException>(() =>
            Builder(("ConnectionStrings:kafka", "broker.example:9092")).AddKafkaConsumer<string, string>("kafka"));

        Assert.Contains("ConnectionStrings:kafka", missingServers.Message, StringComparison.Ordinal);
        Assert.Contains("Aspire:Confluent:Kafka:Consumer:Config:GroupId", missingGroup.Message, StringComparison.Ordinal);
    }

    /// <summary>librdkafka's statistics of real clients against the mock cluster, checked against the messages sent.</summary>
    [Fact]
    public async Task Statistics_become_instruments_messages_sent_received_and_consumer_lag()
    {
        const int messages = 300;
        const int consumed = 100;
        using var cluster = new MockKafkaCluster();
        cluster.CreateTopic("stats", 1);
        var builder = Builder(
            ("ConnectionStrings:kafka", cluster.BootstrapServers),
            ("Aspire:Confluent:Kafka:Producer:Config:statistics.interval.ms", "100"),
            ("Aspire:Confluent:Kafka:Consumer:Config:statistics.interval.ms", "100"),
            ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "stats"));
        builder.AddKafkaProducer<Null, string>("kafka");
        builder.AddKafkaConsumer<Null, string>("kafka");
        using var host = builder.Build();
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var sent = new MetricCollector<long>(meters, KafkaClientMetrics.MeterName, KafkaClientMetrics.MessagesSent);
        using var received = new MetricCollector<long>(meters, KafkaClientMetrics.MeterName, KafkaClientMetrics.MessagesReceived);
        using var lag = new MetricCollector<long>(meters, KafkaClientMetrics.MeterName, KafkaClientMetrics.ConsumerLag);

        var producer = host.Services.GetRequiredService<IProducer<Null, string>>();
        for (var i = 0; i < messages; i++)
        {
            producer.Produce("stats", new Message<Null, string> { Value = $"m{i}" });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        await UntilAsync(() => Latest(sent, producer.Name) == messages, () => { });

        var consumer = host.Services.GetRequiredService<IConsumer<Null, string>>();
        var partition = new TopicPartition("stats", 0);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        for (var i = 0; i < consumed; i++)
        {
            Assert.NotNull(consumer.Consume(TimeSpan.FromSeconds(30)));
        }

        consumer.Pause([partition]);
        // Statistics are served by the consumer's poll: keep polling the paused consumer until a report has both (a
        // report can show the position before the broker counters it sums include the fetches: seen once under load).
        await UntilAsync(
            () => Latest(lag, consumer.Name) == messages - consumed && Latest(received, consumer.Name) >= consumed,
            () => consumer.Consume(TimeSpan.FromMilliseconds(50)));
        Assert.InRange(Latest(received, consumer.Name) ?? 0, consumed, messages);
        consumer.Close();
    }

    private static long? Latest(MetricCollector<long> collector, string client)
    {
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().LastOrDefault(m => Equals(m.Tags[KafkaClientMetrics.ClientTag], client))?.Value;
    }

    private static async Task UntilAsync(Func<bool> done, Action poll)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!done())
        {
            poll();
            await Task.Delay(20, timeout.Token);
        }
    }

    private static HostApplicationBuilder Builder(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return builder;
    }
}
