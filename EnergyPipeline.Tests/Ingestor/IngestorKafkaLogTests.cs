using System.Text.Json;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>
/// The ingestor as a process against a port where nothing listens: librdkafka writes straight to file descriptor 2
/// for a client without a log handler, which only a separate process shows.
/// </summary>
public sealed class IngestorKafkaLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-kafka-log-").FullName;

    [Fact]
    public async Task With_kafka_down_every_client_logs_through_ilogger_and_the_refusal_is_reported_once()
    {
        var file = Path.Combine(_directory, "readings.txt");
        await File.WriteAllTextAsync(file, ParsingHelpers.Header + "\n16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\n",
            TestContext.Current.CancellationToken);

        var (exitCode, output, errors) = await ChildProcess.RunProjectAsync("EnergyPipeline.Ingestor", TimeSpan.FromMinutes(2),
            "ingest", "--file", file, $"--ConnectionStrings:kafka=127.0.0.1:{ServerPort.Free()}", "--Logging:Console:FormatterName=json");

        Assert.Equal(1, exitCode);
        Assert.DoesNotContain(errors.Split('\n'), line => line.StartsWith('%'));
        var kafkaLines = output.Split('\n')
            .Where(line => line.StartsWith("{\"EventId\"", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(entry => entry.GetProperty("Category").GetString() == "Confluent.Kafka")
            .Select(entry => (Level: entry.GetProperty("LogLevel").GetString(), Message: entry.GetProperty("Message").GetString()!))
            .ToList();
        // Reported once: by the start-up probe's error line (which names the address) or through the collapsing log.
        var refusals = kafkaLines.Count(line => line.Message.Contains("Connection refused", StringComparison.Ordinal) && line.Level != "Debug")
            + errors.Split('\n').Count(line => line.Contains("Connection refused", StringComparison.Ordinal));
        Assert.Equal(1, refusals);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
