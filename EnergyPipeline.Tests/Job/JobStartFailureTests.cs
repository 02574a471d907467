using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The job's expected failures at start: one error line naming the address, the setting and the cause, no stack
/// trace, the JSON summary line with status failed, exit 1 (2 for a setting that cannot be used as written).
/// </summary>
[Collection(ConsoleErrorCollection.Name)]
public sealed class JobStartFailureTests(PostgresServerFixture server)
{
    /// <remarks>The spark engine needs Kafka too: the job captures the snapshot Spark reads with its own consumer.</remarks>
    [Theory]
    [InlineData("local")]
    [InlineData("spark")]
    public async Task Kafka_that_does_not_answer_fails_in_one_line_naming_the_address_and_is_recorded_as_failed(string engine)
    {
        var kafka = $"127.0.0.1:{ServerPort.Free()}";
        var database = await server.CreateDatabaseAsync("nokafka");
        var before = DateTimeOffset.UtcNow;
        var (code, output, errors) = await RunEngineAsync(engine, SparkSettings(database, ("ConnectionStrings:kafka", kafka)));

        Assert.Equal(JobProgram.ExitFailed, code);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Cannot reach Kafka at {kafka} (ConnectionStrings:kafka)", line, StringComparison.Ordinal);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        AssertFailedSummary(output, kafka);
        await AssertRecordedAsFailedAsync(database, engine, line["Job failed: ".Length..], before);
    }

    [Fact]
    public async Task PostgreSQL_that_does_not_answer_fails_in_one_line_naming_the_address()
    {
        var port = ServerPort.Free();
        var (code, output, errors) = await RunAsync(("ConnectionStrings:kafka", "127.0.0.1:9"), ("ConnectionStrings:energy_db", $"Host=127.0.0.1;Port={port};Database=energy_db;Username=energy"));

        Assert.Equal(JobProgram.ExitFailed, code);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // Refused at once: no time was waited, so none is named.
        Assert.Equal($"Job failed: Cannot reach PostgreSQL at 127.0.0.1:{port}/energy_db (ConnectionStrings:energy_db): Connection refused (nothing listens there)", line);
        AssertFailedSummary(output, $"127.0.0.1:{port}");
    }

    [Fact]
    public async Task PostgreSQL_that_takes_the_connection_but_never_answers_is_named_as_silent_for_the_connect_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (code, _, errors) = await RunAsync(("ConnectionStrings:kafka", "127.0.0.1:9"),
            ("ConnectionStrings:energy_db", $"Host=127.0.0.1;Port={port};Database=energy_db;Username=energy"), ("Pipeline:ConnectTimeout", "1"));

        Assert.Equal(JobProgram.ExitFailed, code);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"failed after {clock.Elapsed}");
        Assert.Equal($"Job failed: Cannot reach PostgreSQL at 127.0.0.1:{port}/energy_db (ConnectionStrings:energy_db): no answer within 1 s",
            Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task A_refused_login_names_the_cause()
    {
        var database = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("badlogin")) { Password = "not-the-password" }.ConnectionString;
        var (code, output, errors) = await RunAsync(("ConnectionStrings:kafka", "127.0.0.1:9"), ("ConnectionStrings:energy_db", database));

        Assert.Equal(JobProgram.ExitFailed, code);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("password authentication failed", line, StringComparison.Ordinal);
        AssertFailedSummary(output, "password authentication failed");
    }

    [Theory]
    [InlineData("ConnectionStrings:energy_db", "Host=127.0.0.1;Frobnicate=1", "ConnectionStrings:energy_db is not a valid PostgreSQL connection string")]
    [InlineData("Pipeline:ConnectTimeout", "soon", "Pipeline:ConnectTimeout is 'soon'")]
    [InlineData("Pipeline:ReadStallTimeout", "0", "Pipeline:ReadStallTimeout is '0'")]
    [InlineData("Pipeline:CompletionKey", "too-short", "Pipeline:CompletionKey has 9 characters; use at least 32")]
    public async Task A_setting_that_cannot_be_used_exits_2_naming_it(string setting, string value, string message)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:9",
            ["ConnectionStrings:energy_db"] = "Host=127.0.0.1;Database=energy_db",
            [setting] = value,
        };
        var (code, output, errors) = await RunAsync([.. settings.Select(kv => (kv.Key, kv.Value))]);

        Assert.Equal(JobProgram.ExitConfiguration, code);
        Assert.Contains(message, Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        AssertFailedSummary(output, setting);
    }

    [Fact]
    public async Task Spark_connect_that_does_not_answer_fails_within_the_connect_timeout_in_one_line_naming_the_address()
    {
        var port = ServerPort.Free();
        var database = await server.CreateDatabaseAsync("nospark");
        using var kafka = new MockKafkaCluster();
        var before = DateTimeOffset.UtcNow;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var (code, output, errors) = await RunEngineAsync("spark", SparkSettings(database,
            ("ConnectionStrings:kafka", kafka.BootstrapServers), ("ConnectionStrings:spark", $"sc://127.0.0.1:{port}"), ("Pipeline:ConnectTimeout", "2")));

        Assert.Equal(JobProgram.ExitFailed, code);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2 + 5), $"the probe took {stopwatch.Elapsed}");
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Cannot reach Spark Connect at 127.0.0.1:{port} (ConnectionStrings:spark) within 2 s", line, StringComparison.Ordinal);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        AssertFailedSummary(output, $"127.0.0.1:{port}");
        await AssertRecordedAsFailedAsync(database, "spark", line["Job failed: ".Length..], before);
    }

    [Theory]
    [InlineData("ConnectionStrings:spark", "http://spark:15002", "ConnectionStrings:spark: The Spark Connect connection string 'http://spark:15002' is not valid")]
    [InlineData("Pipeline:Spark:MaxStatementDuration", "forever", "Pipeline:Spark:MaxStatementDuration is 'forever'")]
    public async Task A_spark_setting_that_cannot_be_used_exits_2_naming_it(string setting, string value, string message)
    {
        var (code, output, errors) = await RunEngineAsync("spark", SparkSettings("Host=127.0.0.1;Database=energy_db;Username=energy", (setting, value)));

        Assert.Equal(JobProgram.ExitConfiguration, code);
        Assert.Contains(message, Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        AssertFailedSummary(output, setting);
    }

    [Theory]
    [InlineData(true, false, "1 of the 1 completion records of raw_energy_completions are signed, but the job has no Pipeline:CompletionKey: give it the ingestor's key")]
    [InlineData(false, true, "None of the 1 completion records of raw_energy_completions is signed, but the job has Pipeline:CompletionKey: the ingestor runs without it")]
    public async Task A_completion_key_on_one_side_only_exits_2_in_one_line_and_publishes_nothing(bool ingestorHasKey, bool jobHasKey, string message)
    {
        const string key = "a-completion-key-of-at-least-32-characters";
        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(Messaging.RawEnergyTopic.Name, 2);
        using (var ingestion = new TestIngestion(cluster.BootstrapServers))
        {
            ingestion.Send(JobTestData.Complete(new DateTime(2007, 1, 1, 0, 0, 0), 1.5m));
            ingestion.Complete(ingestorHasKey ? Messaging.CompletionKey.From(key).Sign : null);
        }

        var database = await server.CreateDatabaseAsync("onekey");
        (string, string)[] settings = [("ConnectionStrings:kafka", cluster.BootstrapServers), ("ConnectionStrings:energy_db", database)];
        var (code, output, errors) = await RunAsync(jobHasKey ? [.. settings, (Messaging.CompletionKey.Setting, key)] : settings);

        Assert.Equal(JobProgram.ExitConfiguration, code);
        Assert.Contains(message, Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        AssertFailedSummary(output, message);
        await using var db = JobDatabase.Open(database);
        Assert.Empty(await db.QuarterRowsAsTextAsync());
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'failed' AND strpos(error, $1) > 0", message));
    }

    /// <summary>What the spark engine needs configured, with <paramref name="overrides"/> replacing or adding settings.</summary>
    private static (string Key, string Value)[] SparkSettings(string database, params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:9",
            ["ConnectionStrings:energy_db"] = database,
            ["ConnectionStrings:hdfs"] = "hdfs://namenode:8020",
            ["ConnectionStrings:spark"] = "sc://127.0.0.1:9",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return [.. settings.Select(kv => (kv.Key, kv.Value))];
    }

    /// <summary>The run log holds one row for the run, failed with the error, finished, and nothing else.</summary>
    private static async Task AssertRecordedAsFailedAsync(string database, string engine, string error, DateTimeOffset before)
    {
        await using var db = JobDatabase.Open(database);
        var row = Assert.Single(await db.TextRowsAsync(
            "SELECT engine, status, error, topic, quarters_written::text, (started_at >= $1 AND finished_at >= started_at AND finished_at <= now())::text FROM pipeline_runs",
            before.AddSeconds(-1)));
        Assert.Equal([engine, "failed", error, "raw_energy", "0", "true"], row);
    }

    private static void AssertFailedSummary(string output, string errorContains)
    {
        using var summary = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.Equal("failed", summary.RootElement.GetProperty("status").GetString());
        Assert.Contains(errorContains, summary.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Pipeline:Topc=t", "'Pipeline:Topc' (command line): did you mean 'Pipeline:Topic'?")]
    [InlineData("--Pipeline:Spark:Workers=2", "'Pipeline:Spark:Workers' (command line): did you mean 'Pipeline:Spark:RawZonePath'?")]
    [InlineData("--Aspire:Npgsql:DisableTracng=true", "'Aspire:Npgsql:DisableTracng' (command line): did you mean 'Aspire:Npgsql:DisableTracing'?")]
    [InlineData("--Aspire:Confluent:Kafka:Consumr:Config:fetch.max.bytes=1", "'Aspire:Confluent:Kafka:Consumr:Config:fetch.max.bytes' (command line): did you mean 'Aspire:Confluent:Kafka:Consumer:Config:fetch.max.bytes'?")]
    public async Task A_key_the_job_would_ignore_exits_2_naming_the_closest_known_key(string argument, string named)
    {
        var errors = new StringWriter();
        var output = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        try
        {
            Assert.Equal(JobProgram.ExitConfiguration, await JobProgram.RunAsync(["--engine", "local", argument], Unreachable, output));
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal($"Job failed: Unknown setting {named} (--help lists the settings)", Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        // Quotes as they are in the summary line, not as \u0027.
        Assert.Contains($"Unknown setting {named}", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_clients_settings_in_their_shapes_pass_the_check()
    {
        var (code, _, errors) = await RunAsync(("ConnectionStrings:kafka", "127.0.0.1:9"),
            ("ConnectionStrings:energy_db", $"Host=127.0.0.1;Port={ServerPort.Free()};Database=energy_db;Username=energy"),
            ("Aspire:Npgsql:energy_db:DisableTracing", "true"), ("Aspire:Npgsql:DisableMetrics", "true"),
            ("Aspire:Confluent:Kafka:Consumer:Config:fetch.max.bytes", "1048576"), ("Aspire:Confluent:Kafka:Consumer:kafka:DisableHealthChecks", "true"));

        // It got as far as PostgreSQL, which refuses.
        Assert.Equal(JobProgram.ExitFailed, code);
        Assert.Contains("Cannot reach PostgreSQL", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_the_environment_the_keys_of_the_other_programs_pass_and_a_misspelt_own_key_is_named()
    {
        var job = Path.Combine(ChildProcess.ProjectOutput("EnergyPipeline.SparkJob"), "EnergyPipeline.SparkJob.dll");
        string[] inherited = ["Pipeline__Infrastructure=embedded", "Pipeline__Spark__Workers=2", "Ingestor__Partitions=3",
            "Aspire__Confluent__Kafka__Producer__Config__linger.ms=5", "Pipeline__ConnectTimeout=2"];
        string[] run = ["dotnet", job, "--engine", "local", "--ConnectionStrings:kafka=127.0.0.1:9",
            $"--ConnectionStrings:energy_db=Host=127.0.0.1;Port={ServerPort.Free()};Database=energy_db;Username=energy"];

        var misspelt = await ChildProcess.RunAsync("env", [.. inherited, "Pipeline__ReadStalTimeout=5", .. run], TimeSpan.FromSeconds(60));
        var known = await ChildProcess.RunAsync("env", [.. inherited, .. run], TimeSpan.FromSeconds(60));

        Assert.Equal(JobProgram.ExitConfiguration, misspelt.ExitCode);
        Assert.Equal("Job failed: Unknown setting 'Pipeline:ReadStalTimeout' (environment variable Pipeline__ReadStalTimeout): did you mean 'Pipeline:ReadStallTimeout'? (--help lists the settings)",
            misspelt.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Equal(JobProgram.ExitFailed, known.ExitCode);
        Assert.Contains("Cannot reach PostgreSQL", known.Errors, StringComparison.Ordinal);
    }

    private static void Unreachable(Microsoft.Extensions.Configuration.IConfigurationBuilder config) => config.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:kafka"] = "127.0.0.1:9",
        ["ConnectionStrings:energy_db"] = "Host=127.0.0.1;Port=9;Database=energy_db;Username=energy",
    });

    private static Task<(int Code, string Output, string Errors)> RunAsync(params (string Key, string Value)[] settings) =>
        RunEngineAsync("local", settings);

    private static async Task<(int Code, string Output, string Errors)> RunEngineAsync(string engine, params (string Key, string Value)[] settings)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        try
        {
            var code = await JobProgram.RunAsync(["--engine", engine, "--Pipeline:ConnectTimeout=5"], config => config.AddInMemoryCollection(
                settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))), output);
            return (code, output.ToString(), errors.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}

/// <summary>Tests that capture the process's standard error run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleErrorCollection
{
    public const string Name = "console error";
}

/// <summary>The job's command line: help and unknown options.</summary>
[Collection(ConsoleErrorCollection.Name)]
public sealed class JobCommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_prints_the_usage_and_exits_0(string arg)
    {
        var output = new StringWriter();

        Assert.Equal(JobProgram.ExitSucceeded, await JobProgram.RunAsync([arg], output: output));
        Assert.Contains("Pipeline:ConnectTimeout", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Pipeline:ReadStallTimeout", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Pipeline:Spark:MaxStatementDuration", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_named_and_exits_2()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        try
        {
            Assert.Equal(JobProgram.ExitConfiguration, await JobProgram.RunAsync(["--engin", "local"], output: output));
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Contains("Unknown option '--engin'", errors.ToString(), StringComparison.Ordinal);
        // The summary line keeps the apostrophes as they are.
        Assert.Contains("\"error\":\"Unknown option '--engin':", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_job_s_version_and_starts_no_run()
    {
        var output = new StringWriter();

        Assert.Equal(JobProgram.ExitSucceeded, await JobProgram.RunAsync(["--version"], output: output));

        var version = typeof(JobProgram).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal($"EnergyPipeline.SparkJob {version}\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("--engine", "local", "--topic", "t", "--Pipeline:ConnectTimeout=3", "--Logging:LogLevel:Default", "Debug")]
    public void Known_switches_and_configuration_keys_are_accepted(params string[] args) =>
        Assert.Equal((false, null), JobCommandLine.Check(args, TextWriter.Null));
}
