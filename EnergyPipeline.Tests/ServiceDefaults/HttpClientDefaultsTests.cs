using EnergyPipeline.Ingestor.Data;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.Tests.Spark;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
    public async Task A_spark_connect_session_runs_over_the_registered_client()
    {
        await using var server = await FakeSparkConnectServer.StartAsync();
        using var host = Host();
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(SparkConnectSession.HttpClientName);

        using var session = SparkConnectSession.Connect(SparkConnectionString.Parse(server.ConnectionString), http: http);

        Assert.False(string.IsNullOrEmpty(await session.SparkVersionAsync(TestContext.Current.CancellationToken)));
    }

    private static IHost Host()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
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
}
