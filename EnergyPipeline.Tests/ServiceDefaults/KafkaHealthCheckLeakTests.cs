using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Tests.ServiceDefaults;

[CollectionDefinition(nameof(SerialLibrdkafka), DisableParallelization = true)]
public sealed class SerialLibrdkafka;

/// <summary>
/// The health check service calls a registration's factory on every run and never disposes what it returns
/// (dotnet/runtime#68344): a check that builds a client per instance leaks one librdkafka client per run. The
/// AppHost's own Kafka check: KafkaHostingHealthCheckLeakTests.
/// </summary>
[Collection(nameof(SerialLibrdkafka))]
public sealed class KafkaHealthCheckLeakTests : IDisposable
{
    private const int Runs = 12;
    private readonly MockKafkaCluster _cluster = new();

    [Fact]
    public async Task The_client_registration_check_builds_one_client_however_often_it_runs()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:kafka", _cluster.BootstrapServers)]);
        builder.AddKafkaProducer<byte[], byte[]>("kafka");
        var liveBefore = LibrdkafkaHandles.Live();
        var counterBefore = LibrdkafkaHandles.Counter();

        using (var host = builder.Build())
        {
            await RunChecksAsync(host.Services.GetRequiredService<HealthCheckService>(), _ => true);

            var built = LibrdkafkaHandles.BuiltBetween(counterBefore, LibrdkafkaHandles.Counter());
            Assert.InRange(built, 1, 1);
            Assert.Equal(liveBefore + 1, LibrdkafkaHandles.Live());
        }

        Assert.Equal(liveBefore, LibrdkafkaHandles.Live());
    }

    internal static async Task RunChecksAsync(HealthCheckService service, Func<HealthCheckRegistration, bool> predicate)
    {
        for (var run = 0; run < Runs; run++)
        {
            var report = await service.CheckHealthAsync(predicate, TestContext.Current.CancellationToken);
            Assert.True(report.Status == HealthStatus.Healthy, string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Description}")));
        }
    }

    public void Dispose() => _cluster.Dispose();
}
