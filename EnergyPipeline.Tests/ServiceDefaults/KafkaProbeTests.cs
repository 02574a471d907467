using EnergyPipeline.Connectivity;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>
/// The start probe gives up on a refused connection after a short grace, long before a generous connect timeout;
/// one address that answers is enough to go on.
/// </summary>
public sealed class KafkaProbeTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(10);

    // The guard is the test's own timeout: waiting for the connect timeout (10 min) would exceed it.
    [Fact(Timeout = 60_000)]
    public async Task Every_address_refusing_fails_fast_naming_the_addresses_and_the_cause()
    {
        var kafka = $"127.0.0.1:{FreeTcpPort.Next()},localhost:{FreeTcpPort.Next()}";

        var error = await Assert.ThrowsAsync<ServiceUnreachableException>(
            () => Task.Run(() => KafkaProbe.Check(kafka, "ConnectionStrings:kafka", Generous), TestContext.Current.CancellationToken));

        Assert.StartsWith($"Cannot reach Kafka at {kafka} (ConnectionStrings:kafka): Connection refused", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task One_refusing_address_beside_a_broker_that_answers_is_no_failure()
    {
        using var cluster = new MockKafkaCluster();
        var kafka = $"127.0.0.1:{FreeTcpPort.Next()},{cluster.BootstrapServers}";

        var partitions = await Task.Run(() => KafkaProbe.Check(kafka, "ConnectionStrings:kafka", Generous, "absent_topic"), TestContext.Current.CancellationToken);

        Assert.Null(partitions);
    }
}
