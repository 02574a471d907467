#:project ../../../EnergyPipeline.Ingestor/EnergyPipeline.Ingestor.csproj
#:project ../../../EnergyPipeline.SparkJob/EnergyPipeline.SparkJob.csproj

// The floors of kafka-ratio.sh: what Confluent.Kafka itself does with the services' own client settings, and nothing
// else. A file-based program (dotnet build KafkaFloor.cs), not a project of the solution and not a test: it runs as
// its own process like the services it is compared with, so whole-process CPU time and peak RSS compare; the test
// host would add xunit and every test type to both. The settings come from the services' own builders
// (IngestorProducerConfig.ApplyTo, SnapshotReader.ConfigureConsumer, the ServiceDefaults registrations), so the
// floors cannot drift from the services.
//
//   produce --file FILE --topic TOPIC [--Key=value ...]
//       Renders every reading of FILE into its key and value with the ingestor's own writer (KafkaReadingPublisher.Key
//       and WriteValue; no headers, as the ingestor sends them) before timing, then sends them all with the ingestor's
//       producer registration: one reused message object, the callback form of Produce, a poll every
//       KafkaReadingPublisher.PollEvery messages, a short flush when the queue is full, every delivery report counted.
//   consume --topic TOPIC [--Key=value ...]
//       Captures every partition's watermarks, then reads each from its low to its high watermark with the job's
//       consumer registration (ConsumeResultFields "none": key and value only); the key and value are looked at in
//       librdkafka's memory (their lengths counted), never copied.
//
// Prints one JSON line: floor, messages, bytes (keys + values), seconds (the Kafka work only: from the first Produce
// to the last delivery report, from Assign to the last message) and cpu_seconds (the process's user + sys over the
// same span). ConnectionStrings__kafka names the broker, as for the services. Exit code 0 on success, 1 when a
// delivery failed or the read ended short, 2 on a usage error.

using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using EnergyPipeline;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Ingestor.Kafka;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

const string Usage = """
    usage: KafkaFloor produce --file FILE --topic TOPIC [--Key=value ...]
           KafkaFloor consume --topic TOPIC [--Key=value ...]
    The floors of EnergyPipeline.Tests/Benchmarks/kafka-ratio.sh: the ingestor's messages sent, or a topic read, through
    Confluent.Kafka with the services' own client settings and nothing else. Needs ConnectionStrings__kafka (host:port).
    Prints one JSON line: floor, messages, bytes, seconds and cpu_seconds of the Kafka work.
    """;

if (args is [] or ["--help" or "-h" or "help", ..])
{
    Console.WriteLine(Usage);
    return args is [] ? 2 : 0;
}

var command = args[0];
var options = args.Skip(1).ToList();
string? Take(string name)
{
    var at = options.IndexOf("--" + name);
    if (at < 0 || at + 1 >= options.Count)
    {
        return null;
    }

    var value = options[at + 1];
    options.RemoveRange(at, 2);
    return value;
}

var topic = Take("topic");
var file = command == "produce" ? Take("file") : null;
if (topic is null || (command == "produce" && file is null) || command is not ("produce" or "consume"))
{
    Console.Error.WriteLine($"KafkaFloor: {(command is "produce" or "consume" ? "missing --topic or --file" : $"unknown command '{command}'")}\n{Usage}");
    return 2;
}

var builder = Host.CreateApplicationBuilder([.. options]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
return command == "produce" ? Floors.Produce(builder, file!, topic) : Floors.Consume(builder, topic);

internal static class Floors
{
    public static int Produce(HostApplicationBuilder builder, string file, string topic)
    {
        var options = builder.Configuration.GetSection(IngestorOptions.Section).Get<IngestorOptions>() ?? new IngestorOptions();
        builder.AddKafkaProducer<byte[], byte[]>(PipelineNames.KafkaConnection, settings => IngestorProducerConfig.ApplyTo(settings, options));
        using var host = builder.Build();

        var messages = new RenderedMessages();
        HouseholdFileReader.ReadFile(file, messages);
        var producer = host.Services.GetRequiredService<IProducer<byte[], byte[]>>();
        long delivered = 0, failed = 0;
        Action<DeliveryReport<byte[], byte[]>> onDelivered = report =>
        {
            if (report.Error.IsError)
            {
                failed++;
            }
            else
            {
                delivered++;
            }
        };

        var message = new Message<byte[], byte[]> { Key = [], Value = [] };
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages.Keys.Count; i++)
        {
            message.Key = messages.Keys[i];
            message.Value = messages.Values[i];
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, onDelivered);
                    break;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Flush(TimeSpan.FromMilliseconds(50));
                }
            }

            if ((i + 1) % KafkaReadingPublisher.PollEvery == 0)
            {
                producer.Poll(TimeSpan.Zero);
            }
        }

        while (delivered + failed < messages.Keys.Count && clock.Elapsed < TimeSpan.FromMilliseconds(options.MessageTimeoutMs + 10_000))
        {
            producer.Flush(TimeSpan.FromSeconds(1));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        producer.Dispose();
        Report("produce", delivered, messages.Bytes, seconds, cpuSeconds);
        if (delivered != messages.Keys.Count)
        {
            Console.Error.WriteLine($"KafkaFloor produce: {delivered} of {messages.Keys.Count} messages delivered to {topic}, {failed} failed.");
            return 1;
        }

        return 0;
    }

    public static int Consume(HostApplicationBuilder builder, string topic)
    {
        builder.AddKafkaConsumer<int, int>(PipelineNames.KafkaConnection, SnapshotReader.ConfigureConsumer,
            (_, consumerBuilder) => consumerBuilder.SetKeyDeserializer(LengthOnly.Instance).SetValueDeserializer(LengthOnly.Instance));
        using var host = builder.Build();
        using var consumer = host.Services.GetRequiredService<KafkaConsumerFactory<int, int>>().Create();

        List<(int Partition, long Start, long End)> ranges;
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single(t => t.Topic == topic);
            ranges = metadata.Partitions.Select(p =>
            {
                var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(30));
                return (p.PartitionId, watermarks.Low.Value, watermarks.High.Value);
            }).Where(r => r.Item3 > r.Item2).ToList();
        }

        var ends = new long[ranges.Count == 0 ? 0 : ranges.Max(r => r.Partition) + 1];
        foreach (var range in ranges)
        {
            ends[range.Partition] = range.End;
        }

        long expected = ranges.Sum(r => r.End - r.Start), messages = 0, bytes = 0;
        var remaining = ranges.Count;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        consumer.Assign(ranges.Select(r => new TopicPartitionOffset(topic, r.Partition, r.Start)));
        var sinceProgress = Stopwatch.StartNew();
        while (remaining > 0 && sinceProgress.Elapsed < TimeSpan.FromSeconds(60))
        {
            var consumed = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (consumed is null || consumed.IsPartitionEOF)
            {
                continue;
            }

            sinceProgress.Restart();
            messages++;
            bytes += Math.Max(consumed.Message.Key, 0) + Math.Max(consumed.Message.Value, 0);
            if (consumed.Offset.Value == ends[consumed.Partition.Value] - 1)
            {
                remaining--;
                consumer.Pause([new TopicPartition(topic, consumed.Partition)]);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        consumer.Close();
        Report("consume", messages, bytes, seconds, cpuSeconds);
        if (messages != expected)
        {
            Console.Error.WriteLine($"KafkaFloor consume: read {messages} of the {expected} messages of {topic} (no progress for 60 s).");
            return 1;
        }

        return 0;
    }

    private static void Report(string floor, long messages, long bytes, double seconds, double cpuSeconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $$"""{"floor":"{{floor}}","messages":{{messages}},"bytes":{{bytes}},"seconds":{{seconds:F3}},"cpu_seconds":{{cpuSeconds:F3}}}"""));

    /// <summary>Every reading's key and value, rendered once, before the clock starts.</summary>
    private sealed class RenderedMessages : IHouseholdReadingSink
    {
        public List<byte[]> Keys { get; } = [];

        public List<byte[]> Values { get; } = [];

        public long Bytes { get; private set; }

        public void OnReading(in HouseholdReading reading, long lineNumber)
        {
            Span<byte> value = stackalloc byte[EnergyPipeline.Messaging.EnergyReadingJson.MaxLength];
            var length = KafkaReadingPublisher.WriteValue(reading, value);
            Keys.Add(KafkaReadingPublisher.Key(reading));
            Values.Add(value[..length].ToArray());
            Bytes += Keys[^1].Length + length;
        }
    }

    /// <summary>A key or value's length, read in librdkafka's memory (-1 for null): the least a consumer can do with it.</summary>
    private sealed class LengthOnly : IDeserializer<int>
    {
        public static readonly LengthOnly Instance = new();

        public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? -1 : data.Length;
    }
}
