using System.Globalization;
using Confluent.Kafka;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// Counts librdkafka clients from the outside: every rd_kafka_t runs one thread named <c>rdk:main</c> until it is
/// destroyed, and every rd_kafka_new takes the next number of a process-wide counter that shows in the client's
/// name (<c>rdkafka#producer-17</c>). Meaningful only while no other test creates clients (a serial collection).
/// </summary>
public static class LibrdkafkaHandles
{
    /// <summary>Clients alive in this process now.</summary>
    public static int Live() => Directory.EnumerateDirectories("/proc/self/task")
        .Count(task => ReadComm(task) == "rdk:main");

    /// <summary>The process-wide client counter; building the probe takes one number itself.</summary>
    public static int Counter()
    {
        using var probe = new ProducerBuilder<Null, Null>(new ProducerConfig { BootstrapServers = "127.0.0.1:1" })
            .SetLogHandler((_, _) => { })
            .Build();
        var name = probe.Name;
        return int.Parse(name[(name.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Clients built between two <see cref="Counter"/> calls.</summary>
    public static int BuiltBetween(int before, int after) => after - before - 1;

    private static string? ReadComm(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
        }
        catch (IOException)
        {
            return null; // the thread ended while we looked
        }
    }
}
