using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>The verbs as a user runs them; the last line of the output is the JSON summary.</summary>
[Collection(IngestorActivityCollection.Name)]
public sealed class CommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-cli-").FullName;

    [Fact]
    public async Task Generate_then_validate_reports_the_counts_and_exit_code_zero()
    {
        var path = Path.Combine(_directory, "generated.txt");
        var (generateCode, _, _) = await IngestorCli.RunAsync("generate", "--output", path, "--rows", "12000", "--seed", "3");
        Assert.Equal(0, generateCode);
        Assert.Equal(12_001, File.ReadLines(path).Count());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, output, _) = await IngestorCli.RunAsync("validate", "--file", path);
        var elapsed = clock.Elapsed.TotalSeconds;

        Assert.Equal(0, code);
        var json = IngestorCli.LastLineJson(output);
        Assert.Equal(12_000, json.GetProperty("rows_read").GetInt64());
        Assert.Equal(12_000 * 25_979 / 2_075_259, json.GetProperty("missing_value_rows").GetInt64());
        Assert.Equal(0, json.GetProperty("malformed").GetInt64());
        Assert.Equal(new FileInfo(path).Length, json.GetProperty("bytes").GetInt64());
        Assert.Equal(0, json.GetProperty("sent").GetInt64());
        // Seconds, not milliseconds: more than nothing for 12,000 lines, at most the wall time around the call.
        Assert.InRange(json.GetProperty("seconds").GetDouble(), 0.0005, elapsed + 0.0005); // rounded to 3 decimals
    }

    [Fact]
    public async Task Validate_exits_non_zero_and_names_the_malformed_lines()
    {
        var path = Path.Combine(_directory, "bad.txt");
        await File.WriteAllTextAsync(path, ParsingHelpers.Header + "\n" +
            "16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\n" +
            "16/12/2006;17:25:00;5.360;-0.436;233.630;23.000;0.000;1.000;16.000\n" +
            "21/12/2006;11:23:00;?;?;?;?;?;?;\n", TestContext.Current.CancellationToken);

        var (code, output, errors) = await IngestorCli.RunAsync("validate", "--file", path);

        Assert.Equal(1, code);
        Assert.Contains("line 3: impossible_value", errors, StringComparison.Ordinal);
        var json = IngestorCli.LastLineJson(output);
        Assert.Equal(3, json.GetProperty("rows_read").GetInt64());
        Assert.Equal(1, json.GetProperty("malformed").GetInt64());
        Assert.Equal(1, json.GetProperty("missing_value_rows").GetInt64());
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("validate", "--file", "/nonexistent/household.txt")]
    [InlineData("generate")]
    [InlineData("ingest", "--file", "x.txt")]
    [InlineData("frobnicate")]
    public async Task Bad_usage_is_a_clear_error_with_exit_code_two(params string[] args)
    {
        var (code, _, errors) = await IngestorCli.RunAsync(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", errors, StringComparison.Ordinal);
        Assert.Contains("Usage:", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_sends_the_file_to_kafka_and_prints_the_summary_last()
    {
        var path = Path.Combine(_directory, "ingest.txt");
        SyntheticHouseholdFile.WriteFile(path, 8_000, seed: 2);
        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics("raw_energy_cli", 3);

        var (code, output, _) = await IngestorCli.RunAsync("ingest", "--file", path,
            $"--ConnectionStrings:kafka={cluster.BootstrapServers}", "--Ingestor:Topic=raw_energy_cli", "--Ingestor:Partitions=3",
            "--Logging:LogLevel:Default=Warning");

        Assert.Equal(0, code);
        var json = IngestorCli.LastLineJson(output);
        Assert.Equal("succeeded", json.GetProperty("status").GetString());
        Assert.Equal(8_000, json.GetProperty("sent").GetInt64());
        Assert.Equal(64, json.GetProperty("source_sha256").GetString()!.Length);
        Assert.Equal(8_000, KafkaTopicReader.ReadAll(cluster.BootstrapServers, "raw_energy_cli", TimeSpan.FromSeconds(20)).Count);
    }

    [Theory]
    [InlineData("raw/energy", "contains '/'")]
    [InlineData("..", "not a valid topic name")]
    [InlineData("raw energy", "contains ' '")]
    public async Task A_topic_name_kafka_refuses_exits_with_code_two_before_anything_is_sent(string topic, string reason)
    {
        var (code, _, errors) = await IngestorCli.RunAsync("ingest", "--file", "x.txt", "--ConnectionStrings:kafka=127.0.0.1:1", $"--Ingestor:Topic={topic}");

        Assert.Equal(2, code);
        Assert.Contains($"Ingestor:Topic: ", errors, StringComparison.Ordinal);
        Assert.Contains(reason, errors, StringComparison.Ordinal);
        Assert.Null(Messaging.RawEnergyTopic.TopicNameProblem(new string('a', 237)));
        Assert.NotNull(Messaging.RawEnergyTopic.TopicNameProblem(new string('a', 238)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
