using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>The services serve no health endpoint: the defaults add no check of their own, only the Kafka registrations do.</summary>
public sealed class ServiceDefaultsHealthTests
{
    [Fact]
    public void A_service_s_only_health_checks_are_its_kafka_registrations()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:kafka", "broker.example:9092")]);
        builder.AddServiceDefaults();
        builder.AddKafkaProducer<byte[], byte[]>("kafka");

        using var host = builder.Build();

        Assert.Equal(
            [KafkaClientRegistration.ProducerHealthCheckName],
            host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name));
    }
}
