using System.Text.Json;
using EnergyPipeline.Ingestor.CommandLine;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>An ingestor that cannot reach Kafka fails within Ingestor:ConnectTimeout in one line naming the broker.</summary>
public sealed class IngestorStartFailureTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"energy-nokafka-{Guid.NewGuid():N}.txt");

    [Fact]
    public async Task Kafka_that_does_not_answer_fails_in_one_line_naming_the_address()
    {
        SyntheticHouseholdFile.WriteFile(_file, rows: 100);
        var kafka = $"127.0.0.1:{ServerPort.Free()}";
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await IngestorCommandLine.RunAsync(
            ["ingest", "--file", _file, $"--ConnectionStrings:kafka={kafka}", "--Ingestor:ConnectTimeout=5"], output, errors);

        Assert.Equal(1, code);
        var line = Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Cannot reach Kafka at {kafka} (ConnectionStrings:kafka)", line, StringComparison.Ordinal);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        using var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]);
        Assert.Equal("failed", summary.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_connect_timeout_that_is_not_a_duration_is_a_usage_error()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await IngestorCommandLine.RunAsync(["ingest", "--ConnectionStrings:kafka=127.0.0.1:9", "--Ingestor:ConnectTimeout=-3"], output, errors);

        Assert.Equal(2, code);
        Assert.Contains("Ingestor:ConnectTimeout is '-3'", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_completion_key_shorter_than_32_characters_is_a_usage_error()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await IngestorCommandLine.RunAsync(["ingest", "--ConnectionStrings:kafka=127.0.0.1:9", "--Pipeline:CompletionKey=short"], output, errors);

        Assert.Equal(2, code);
        Assert.StartsWith("error: Pipeline:CompletionKey has 5 characters; use at least 32", errors.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_file);
}
