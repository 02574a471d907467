using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EnergyPipeline.Tests.AppHost;

public sealed class ContainerRuntimeCheckTests
{
    private static IConfiguration RuntimeNamed(string runtime) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ASPIRE_CONTAINER_RUNTIME"] = runtime }).Build();

    [Fact]
    public async Task Containers_without_a_runtime_fail_fast_naming_both_remedies()
    {
        var model = new DistributedApplicationModel(AppModel.Build().Builder.Resources);

        var problem = await ContainerRuntimeCheck.FindProblemAsync(model, RuntimeNamed("no-such-container-runtime"), TestContext.Current.CancellationToken);

        Assert.NotNull(problem);
        Assert.Contains("'no-such-container-runtime' is not installed", problem, StringComparison.Ordinal);
        Assert.Contains("start Docker or Podman", problem, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:kafka", problem, StringComparison.Ordinal);
        Assert.Contains("kafka", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_without_containers_needs_no_runtime()
    {
        var model = new DistributedApplicationModel(AppModel.Build(
            "--Pipeline:Engine=local", "--ConnectionStrings:kafka=127.0.0.1:9092", "--ConnectionStrings:energy_db=Host=x").Builder.Resources);

        Assert.Null(await ContainerRuntimeCheck.FindProblemAsync(model, RuntimeNamed("no-such-container-runtime"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_runtime_that_fails_is_reported_with_its_error()
    {
        // `false` exists everywhere and exits non-zero, like a docker CLI whose engine is down.
        Assert.Contains("exited with 1", await ContainerRuntime.ProbeAsync("false", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}

public sealed class KafkaHealthCheckTests
{
    [Fact]
    public async Task Healthy_when_a_broker_answers_metadata()
    {
        using var cluster = new MockKafkaCluster();
        using var check = new KafkaHealthCheck(() => cluster.BootstrapServers, TimeSpan.FromSeconds(5));

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task Unhealthy_when_nothing_listens()
    {
        using var check = new KafkaHealthCheck(() => $"127.0.0.1:{ServerPort.Free()}", TimeSpan.FromSeconds(1));

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    [Fact]
    public async Task Unhealthy_until_the_address_is_known()
    {
        using var check = new KafkaHealthCheck(() => null, TimeSpan.FromSeconds(1));

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }
}
