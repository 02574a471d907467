using EnergyPipeline.Ingestor.Data;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.Tests.Spark;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>The services' two HTTP clients, as the service defaults and the services register them.</summary>
public sealed class HttpClientDefaultsTests
{
    [Theory]
    [InlineData(DatasetDownloader.HttpClientName)]
    [InlineData(SparkConnectSession.HttpClientName)]
    public void No_client_gets_a_resilience_handler(string name)
    {
        using var host = Host();

        var handlers = Chain(host.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(name));

        Assert.Contains(handlers, h => h.Contains("ServiceDiscovery", StringComparison.Ordinal));
        Assert.DoesNotContain(handlers, h => h.Contains("Resilience", StringComparison.Ordinal) || h.Contains("Polly", StringComparison.Ordinal));
    }

    [Fact]
    public void The_spark_connect_client_has_no_timeout_and_the_download_client_a_bounded_wait_for_headers()
    {
        using var host = Host();
        var factory = host.Services.GetRequiredService<IHttpClientFactory>();

        Assert.Equal(Timeout.InfiniteTimeSpan, factory.CreateClient(SparkConnectSession.HttpClientName).Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), factory.CreateClient(DatasetDownloader.HttpClientName).Timeout);
    }

    [Fact]
    public void The_spark_connect_client_pings_a_silent_connection_while_a_statement_runs_but_not_more_often_than_spark_permits()
    {
        using var host = Host();

        HttpMessageHandler primary = host.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(SparkConnectSession.HttpClientName);
        while (primary is DelegatingHandler delegating)
        {
            primary = delegating.InnerHandler!;
        }

        var handler = Assert.IsType<SocketsHttpHandler>(primary);
        Assert.Equal(HttpKeepAlivePingPolicy.WithActiveRequests, handler.KeepAlivePingPolicy);
        // grpc-java's Netty server answers pings closer than 5 minutes apart with GOAWAY too_many_pings.
        Assert.InRange(handler.KeepAlivePingDelay, TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Assert.InRange(handler.KeepAlivePingTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task A_spark_connect_session_runs_over_the_registered_client()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        using var host = Host();
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(SparkConnectSession.HttpClientName);

        using var session = SparkConnectSession.Connect(SparkConnectionString.Parse(server.ConnectionString), http: http);

        Assert.False(string.IsNullOrEmpty(await session.SparkVersionAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task A_failed_download_request_leaves_no_stack_trace_in_the_log()
    {
        var records = new System.Collections.Concurrent.ConcurrentQueue<(string Category, Exception? Exception)>();
        using var host = Host(new RecordingLoggerProvider(records));
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(DatasetDownloader.HttpClientName);

        // Nothing listens on the port: the connection is refused, as an offline download fails.
        await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.GetAsync(new Uri($"http://127.0.0.1:{ServerPort.Free()}/dataset.zip"), TestContext.Current.CancellationToken));

        Assert.DoesNotContain(records, r => r.Exception is not null);
    }

    private static IHost Host(ILoggerProvider? logs = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.AddServiceDefaults();
        DatasetDownloader.AddDatasetHttpClient(builder.Services);
        SparkConnectSession.AddSparkConnectHttpClient(builder.Services);
        return builder.Build();
    }

    private static List<string> Chain(HttpMessageHandler handler)
    {
        var names = new List<string>();
        for (HttpMessageHandler? current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            names.Add(current.GetType().FullName!);
        }

        return names;
    }

    private sealed class RecordingLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<(string Category, Exception? Exception)> records) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new RecordingLogger(categoryName, records);

        public void Dispose()
        {
        }
    }

    private sealed class RecordingLogger(string category, System.Collections.Concurrent.ConcurrentQueue<(string Category, Exception? Exception)> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            records.Enqueue((category, exception));
    }
}
