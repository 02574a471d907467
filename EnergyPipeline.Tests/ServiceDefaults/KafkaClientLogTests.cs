using Confluent.Kafka;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EnergyPipeline.Tests.ServiceDefaults;

public sealed class KafkaClientLogTests
{
    private const string Refused =
        "127.0.0.1:9/bootstrap: Connect to ipv4#127.0.0.1:9 failed: Connection refused (after {0}ms in state CONNECT)";

    private readonly FakeLogger _logger = new();
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Repeated_lines_are_collapsed_into_one_count()
    {
        var log = new KafkaClientLog(_logger, _time);

        log.Write("rdkafka#producer-1", "REQTMOUT", LogLevel.Warning, "Timed out 1 in-flight request(s)");
        for (var i = 0; i < 57; i++)
        {
            log.Write("rdkafka#producer-1", "REQTMOUT", LogLevel.Warning, $"Timed out {i + 2} in-flight request(s)");
        }

        log.Write("rdkafka#producer-1", "METADATA", LogLevel.Information, "Broker is back");

        Assert.Equal(
            ["[rdkafka#producer-1] [REQTMOUT] Timed out 1 in-flight request(s)",
             "[rdkafka#producer-1] [REQTMOUT] Timed out 58 in-flight request(s) ... repeated 57 times",
             "[rdkafka#producer-1] [METADATA] Broker is back"],
            _logger.Collector.GetSnapshot().Select(r => r.Message));
        Assert.Equal(LogLevel.Warning, _logger.Collector.GetSnapshot()[1].Level);
    }

    [Fact]
    public void A_line_repeating_for_a_long_time_is_counted_once_a_minute()
    {
        var log = new KafkaClientLog(_logger, _time);

        log.Write("c", "F", LogLevel.Warning, "same");
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            log.Write("c", "F", LogLevel.Warning, "same");
        }

        Assert.Equal(["[c] [F] same", "[c] [F] same ... repeated 6 times"], _logger.Collector.GetSnapshot().Select(r => r.Message));
        log.Dispose(); // as the host does at shutdown
        Assert.Equal("[c] [F] same ... repeated 4 times", _logger.Collector.LatestRecord.Message);
    }

    [Fact]
    public void Clients_are_counted_apart()
    {
        var log = new KafkaClientLog(_logger, _time);

        log.Write("a", "F", LogLevel.Information, "x");
        log.Write("b", "F", LogLevel.Information, "x");
        log.Write("a", "F", LogLevel.Information, "x");

        Assert.Equal(["[a] [F] x", "[b] [F] x"], _logger.Collector.GetSnapshot().Select(r => r.Message));
    }

    [Fact]
    public void Connection_refused_is_reported_once_then_goes_to_debug_for_five_minutes()
    {
        var log = new KafkaClientLog(_logger, _time);

        log.Write("c", "FAIL", LogLevel.Error, string.Format(null, Refused, 0));
        log.Write("c", "ERROR", LogLevel.Warning, "Local_AllBrokersDown: 1/1 brokers are down");
        log.Write("c", "FAIL", LogLevel.Error, string.Format(null, Refused, 3));
        _time.Advance(KafkaClientLog.ConnectionFailureQuietPeriod);
        log.Write("c", "ERROR", LogLevel.Warning, "Local_AllBrokersDown: 1/1 brokers are down");

        Assert.Equal(
            [LogLevel.Error, LogLevel.Debug, LogLevel.Debug, LogLevel.Warning],
            _logger.Collector.GetSnapshot().Select(r => r.Level));
    }

    /// <summary>
    /// librdkafka logs from inside the client's constructor (here: no bootstrap servers), before the .NET client has a
    /// handle; a handler that asked the client for its name then threw into native code and ended the process.
    /// </summary>
    [Fact]
    public void A_line_logged_while_the_client_is_being_built_is_written_with_the_client_name()
    {
        var log = new KafkaClientLog(_logger, _time);

        using var producer = new ProducerBuilder<Null, Null>(new ProducerConfig()).SetLogHandler(log.Log).Build();

        var record = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Message.Contains("bootstrap.servers", StringComparison.Ordinal));
        Assert.StartsWith($"[{producer.Name}] [CONFWARN]", record.Message, StringComparison.Ordinal);
    }

    /// <summary>A real producer with nothing to connect to: its lines come through the registration's one log.</summary>
    [Fact]
    public async Task A_registered_producer_logs_through_the_collapsing_log()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var collector = new FakeLogCollector();
        builder.Logging.AddProvider(new FakeLoggerProvider(collector));
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Configuration.AddInMemoryCollection([
            new("ConnectionStrings:kafka", $"127.0.0.1:{ServerPort.Free()}"),
            new("Aspire:Confluent:Kafka:Producer:Config:reconnect.backoff.ms", "10"),
            new("Aspire:Confluent:Kafka:Producer:Config:reconnect.backoff.max.ms", "20"),
        ]);
        builder.AddKafkaProducer<Null, string>("kafka");

        using var host = builder.Build();
        var producer = host.Services.GetRequiredService<IProducer<Null, string>>();
        producer.Produce("t", new Message<Null, string> { Value = "v" });

        var refused = await WaitForAsync(collector, records => records.Count(r => KafkaClientLog.IsConnectionFailure(r.Message)) >= 2);

        Assert.All(refused, r => Assert.Equal(KafkaClientLog.Category, r.Category));
        Assert.NotEqual(LogLevel.Debug, refused[0].Level);
        Assert.All(refused.Skip(1), r => Assert.Equal(LogLevel.Debug, r.Level));
    }

    private static async Task<List<FakeLogRecord>> WaitForAsync(FakeLogCollector collector, Func<IEnumerable<FakeLogRecord>, bool> done)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!done(collector.GetSnapshot()))
        {
            await Task.Delay(50, timeout.Token);
        }

        return collector.GetSnapshot().Where(r => KafkaClientLog.IsConnectionFailure(r.Message)).ToList();
    }
}
