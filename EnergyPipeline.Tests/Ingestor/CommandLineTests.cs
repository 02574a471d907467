using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using EnergyPipeline.Ingestor.CommandLine;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Summaries;
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
        Assert.Equal(SummaryStatus.Succeeded, json.GetProperty("status").GetString());
        Assert.Equal(12_000, json.GetProperty("rows_read").GetInt64());
        Assert.Equal(12_000 * 25_979 / 2_075_259, json.GetProperty("missing_value_rows").GetInt64());
        Assert.Equal(0, json.GetProperty("malformed").GetInt64());
        Assert.Equal(new FileInfo(path).Length, json.GetProperty("bytes").GetInt64());
        Assert.Equal(0, json.GetProperty("sent").GetInt64());
        // Seconds, not milliseconds: more than nothing for 12,000 lines, at most the wall time around the call.
        Assert.InRange(json.GetProperty("seconds").GetDouble(), 0.0005, elapsed + 0.0005); // rounded to 3 decimals

        // The power readings' sum is kW·min; the energy it stands for is that / 60 in kWh, to the Wh's 3 decimals.
        var powerSum = File.ReadLines(path).Skip(1).Select(l => l.Split(';')[2]).Where(v => v != "?")
            .Sum(v => decimal.Parse(v, CultureInfo.InvariantCulture));
        Assert.Equal(powerSum, json.GetProperty("global_active_power_sum").GetDecimal());
        Assert.Equal(decimal.Round(powerSum / 60, 6, MidpointRounding.AwayFromZero), json.GetProperty("active_energy_kwh").GetDecimal());
        Assert.Contains($"  active power sum   {powerSum,12} kW·min (sum of minute readings)", output, StringComparison.Ordinal);
        Assert.Contains($"  active energy      {decimal.Round(powerSum / 60, 6, MidpointRounding.AwayFromZero),12} kWh", output, StringComparison.Ordinal);
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
        Assert.Equal(SummaryStatus.Failed, json.GetProperty("status").GetString());
        Assert.StartsWith($"1 malformed line in {path}", json.GetProperty("error").GetString(), StringComparison.Ordinal);
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
    [InlineData("ingest", "--version")]
    public async Task Bad_usage_is_one_error_line_and_a_help_hint_with_exit_code_two(params string[] args)
    {
        var (code, output, errors) = await IngestorCli.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Equal(IngestorCommandLine.HelpHint, lines[1]);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    [InlineData("generate", "--help")]
    [InlineData("ingest", "--help")]
    public async Task Help_is_one_usage_text(params string[] args)
    {
        var (code, output, errors) = await IngestorCli.RunAsync(args);

        Assert.Equal(0, code);
        Assert.Equal("", errors);
        Assert.Single(output.Split('\n'), l => l.StartsWith("Usage:", StringComparison.Ordinal));
        Assert.Single(output.Split('\n'), l => l.StartsWith("Description:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Version_prints_the_ingestor_s_version_and_nothing_else()
    {
        var (code, output, errors) = await IngestorCli.RunAsync("--version");

        var version = typeof(IngestorOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal((0, $"EnergyPipeline.Ingestor {version}\n", ""), (code, output.ReplaceLineEndings("\n"), errors));
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

    [Fact]
    public async Task A_file_under_the_data_set_s_name_with_another_hash_is_ingested_as_a_local_file_and_said_so()
    {
        var data = Path.Combine(_directory, "data");
        var path = Path.Combine(data, "household_power_consumption.txt");
        SyntheticHouseholdFile.WriteFile(path, 2_000, seed: 4);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));
        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics("raw_energy_label", 2);

        var (code, output, _) = await IngestorCli.RunAsync("ingest", $"--Ingestor:DataDirectory={data}",
            $"--ConnectionStrings:kafka={cluster.BootstrapServers}", "--Ingestor:Topic=raw_energy_label", "--Ingestor:Partitions=2", "--Logging:LogLevel:Default=Warning");

        Assert.Equal(0, code);
        var json = IngestorCli.LastLineJson(output);
        Assert.Equal(("file", sha256), (json.GetProperty("source").GetString(), json.GetProperty("source_sha256").GetString()));
        var notice = $"'{path}' is not the published UCI file (its SHA-256 is {sha256}); ingested as a local file";
        Assert.Equal(notice, json.GetProperty("notice").GetString());
        Assert.Single(output.Split('\n'), l => l == $"  notice: {notice}");
    }

    [Fact]
    public async Task Keys_the_ingestor_would_ignore_are_usage_errors_naming_the_closest_known_key()
    {
        var (code, _, errors) = await IngestorCli.RunAsync("ingest", "--file", "x.txt", "--ConnectionStrings:kafka=127.0.0.1:9",
            "--Ingestor:Topc=t", "--Aspire:Confluent:Kafka:Producer:Confg:linger.ms=5");

        Assert.Equal(2, code);
        Assert.Equal(
            "error: Unknown setting 'Aspire:Confluent:Kafka:Producer:Confg:linger.ms' (command line): did you mean 'Aspire:Confluent:Kafka:Producer:Config:linger.ms'? " +
            "Unknown setting 'Ingestor:Topc' (command line): did you mean 'Ingestor:Topic'?",
            errors.Split('\n')[0]);
    }

    [Fact]
    public async Task The_producer_s_settings_in_its_client_s_shape_pass_the_check()
    {
        var path = Path.Combine(_directory, "shape.txt");
        SyntheticHouseholdFile.WriteFile(path, 10);

        var (code, _, errors) = await IngestorCli.RunAsync("ingest", "--file", path, $"--ConnectionStrings:kafka=127.0.0.1:{ServerPort.Free()}",
            "--Ingestor:ConnectTimeout=1", "--Aspire:Confluent:Kafka:Producer:Config:linger.ms=5",
            "--Aspire:Confluent:Kafka:Producer:kafka:Config:compression.type=zstd", "--Aspire:Confluent:Kafka:Producer:DisableMetrics=true");

        // It got as far as Kafka, which refuses.
        Assert.Equal(1, code);
        Assert.Contains("Cannot reach Kafka", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_the_environment_the_keys_of_the_other_programs_pass_and_a_misspelt_own_key_is_named()
    {
        var path = Path.Combine(_directory, "env.txt");
        SyntheticHouseholdFile.WriteFile(path, 10);
        var ingestor = Path.Combine(ChildProcess.ProjectOutput("EnergyPipeline.Ingestor"), "EnergyPipeline.Ingestor.dll");
        string[] inherited = ["Pipeline__Infrastructure=embedded", "Pipeline__Spark__Workers=2", "Aspire__Npgsql__DisableTracing=true",
            "Aspire__Confluent__Kafka__Consumer__Config__fetch.max.bytes=1048576", "Ingestor__Topic=raw_energy"];
        string[] run = ["dotnet", ingestor, "--file", path, $"--ConnectionStrings:kafka=127.0.0.1:{ServerPort.Free()}", "--Ingestor:ConnectTimeout=1"];

        var misspelt = await ChildProcess.RunAsync("env", [.. inherited, "Ingestor__Partitons=3", .. run], TimeSpan.FromSeconds(60));
        var known = await ChildProcess.RunAsync("env", [.. inherited, .. run], TimeSpan.FromSeconds(60));

        Assert.Equal(2, misspelt.ExitCode);
        Assert.Equal("error: Unknown setting 'Ingestor:Partitons' (environment variable Ingestor__Partitons): did you mean 'Ingestor:Partitions'?",
            misspelt.Errors.Split('\n')[0]);
        Assert.Equal(1, known.ExitCode);
        Assert.Contains("Cannot reach Kafka", known.Errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
