using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The AppHost's Kafka health check, run as often as the dashboard runs it, holds one librdkafka client (the leak
/// KafkaHealthCheckLeakTests describes).
/// </summary>
[Collection(nameof(SerialLibrdkafka))]
public sealed class KafkaHostingHealthCheckLeakTests : IDisposable
{
    private readonly MockKafkaCluster _cluster = new();

    [Fact]
    public async Task The_apphost_kafka_check_builds_one_client_however_often_it_runs()
    {
        var model = AppModel.Build("--Pipeline:Engine=local");
        var kafka = model.Resource<KafkaServerResource>("kafka");
        var port = int.Parse(_cluster.BootstrapServers.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
        var endpoint = kafka.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "tcp");
        endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "127.0.0.1", port);
        var liveBefore = LibrdkafkaHandles.Live();
        var counterBefore = LibrdkafkaHandles.Counter();

        await using (var app = model.Builder.Build())
        {
            await model.Builder.Eventing.PublishAsync(new ConnectionStringAvailableEvent(kafka, app.Services), TestContext.Current.CancellationToken);
            await KafkaHealthCheckLeakTests.RunChecksAsync(app.Services.GetRequiredService<HealthCheckService>(), r => r.Name == "kafka_check");

            var built = LibrdkafkaHandles.BuiltBetween(counterBefore, LibrdkafkaHandles.Counter());
            Assert.InRange(built, 1, 1);
            Assert.Equal(liveBefore + 1, LibrdkafkaHandles.Live());
        }

        Assert.Equal(liveBefore, LibrdkafkaHandles.Live());
    }

    public void Dispose() => _cluster.Dispose();
}
