using EnergyPipeline.ServiceDefaults.Kafka;

namespace EnergyPipeline.Tests.Benchmarks;

/// <summary>
/// Hosts the mock Kafka cluster (the embedded mode's MockKafkaCluster) for <c>kafka-ratio.sh</c>, so the ingestor, the job and kcat run as separate
/// processes against one broker on loopback. Explicit: only the script runs it, with
/// <c>-method "*Hosts_a_broker_until_told_to_stop" -explicit only</c> (the test executable itself) and the environment below.
/// </summary>
public sealed class MockBrokerHost
{
    /// <summary>Where the bootstrap address is written once the topics exist.</summary>
    public const string AddressFileVariable = "ENERGY_BENCH_BROKER_FILE";

    /// <summary>Topics to create, <c>name:partitions[,name:partitions]</c>.</summary>
    public const string TopicsVariable = "ENERGY_BENCH_TOPICS";

    /// <summary>The broker stops when this file exists.</summary>
    public const string StopFileVariable = "ENERGY_BENCH_STOP_FILE";

    [Fact(Explicit = true)]
    public async Task Hosts_a_broker_until_told_to_stop()
    {
        var addressFile = Required(AddressFileVariable);
        var stopFile = Required(StopFileVariable);
        using var cluster = new MockKafkaCluster();
        foreach (var topic in Required(TopicsVariable).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, partitions) = topic.Split(':') is [var n, var p] ? (n, int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))
                : throw new InvalidOperationException($"{TopicsVariable}: '{topic}' is not name:partitions.");
            cluster.CreateTopic(name, partitions);
        }

        // Written whole, then renamed: the script never reads half an address.
        await File.WriteAllTextAsync(addressFile + ".tmp", cluster.BootstrapServers, TestContext.Current.CancellationToken);
        File.Move(addressFile + ".tmp", addressFile, overwrite: true);
        while (!File.Exists(stopFile))
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set {variable} (kafka-ratio.sh does).");
}
