using System.Diagnostics;
using System.Text.Json;
using System.Text;
using Confluent.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Telemetry;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The local engine end to end: messages produced with a plain Confluent producer into librdkafka's mock cluster
/// (a file's readings ingested twice, the second time with newer values for some minutes, plus a contract-breaking
/// message), then the job, then the table checked against the independent computation.
/// </summary>
public sealed class LocalEngineTests(PostgresServerFixture server) : IDisposable
{
    private const int Readings = 24_000; // crosses from 2006Q4 into 2007Q1
    private const string FirstTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string SecondTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private readonly MockKafkaCluster _cluster = new();

    /// <summary>What the topic holds once <see cref="ProduceTwoIngestions"/> has run: the readings that must win.</summary>
    private static List<EnergyReading> FinalReadings()
    {
        var first = SyntheticReadings.Generate(Readings).ToList();
        return first.Select((r, i) => i % 5 == 0 ? Revised(r) : r).ToList();
    }

    /// <summary>A newer reading of the same minute with different values (the second ingestion's copy).</summary>
    private static EnergyReading Revised(EnergyReading r) => r.IsComplete
        ? r with { GlobalActivePower = r.GlobalActivePower + 0.001m, SubMetering3 = 40m }
        : Complete(r.Timestamp, 1.234m, voltage: 241.5m);

    private int ProduceTwoIngestions()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, RawEnergyTopic.DefaultPartitions);
        var original = SyntheticReadings.Generate(Readings).ToList();
        using var first = new TestIngestion(_cluster.BootstrapServers, traceParent: FirstTrace);
        foreach (var reading in original)
        {
            first.Send(reading);
        }

        first.Send(Key(original[0].Timestamp), "{\"timestamp\":null}"u8.ToArray());
        first.Complete();

        using var second = new TestIngestion(_cluster.BootstrapServers, traceParent: SecondTrace);
        foreach (var reading in FinalReadings())
        {
            second.Send(reading);
        }

        second.Complete();
        return first.Sent + second.Sent;
    }

    private LocalEngine Engine(JobDatabase db) => db.LocalEngine(_cluster.BootstrapServers);

    [Fact]
    public async Task Two_ingestions_then_the_local_engine_give_the_independent_figures_and_a_re_run_the_identical_table()
    {
        var produced = ProduceTwoIngestions();
        var expected = IndependentFigures.Of(FinalReadings()).Select(JobDatabase.ExpectedText).ToList();
        await using var db = await JobDatabase.CreateAsync(server, "engine");
        var runSpans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (runSpans) { runSpans.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);

        var first = await db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        var table = await db.QuarterRowsAsTextAsync();
        var second = await db.Runner(Engine(db)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Equal(expected, table);
        Assert.Equal(table, await db.QuarterRowsAsTextAsync());
        Assert.NotEqual(first.RunId, second.RunId);
        Assert.Equal((long)produced, first.ReadingsRead);
        Assert.Equal((Readings, 1L), (first.DuplicatesDropped, first.Invalid));
        Assert.Equal(2, first.QuartersWritten);

        var run = await db.RunAsync(second.RunId);
        Assert.Equal(("local", "succeeded", (long?)produced, (long?)Readings, (long?)1), (run.Engine, run.Status, run.ReadingsRead, run.Duplicates, run.Invalid));
        var offsets = JsonSerializer.Deserialize<List<Dictionary<string, long>>>(run.OffsetsJson!)!;
        Assert.Equal(Enumerable.Range(0, RawEnergyTopic.DefaultPartitions).Select(p => (long)p), offsets.Select(o => o["partition"]));
        Assert.Equal(produced, offsets.Sum(o => o["messages"]));
        Assert.Equal(produced, offsets.Sum(o => o["end_offset"] - o["start_offset"]));

        // The second ingestion wrote every minute again: the figures come from it alone, and only its trace is linked.
        var runSpan = Assert.Single(runSpans, a => a.OperationName == "energy job run" && (string?)a.GetTagItem("energy.run_id") == first.RunId.ToString());
        Assert.Equal([ActivityContext.Parse(SecondTrace, null).TraceId.ToHexString()], runSpan.Links.Select(l => l.Context.TraceId.ToHexString()));
        Assert.Contains(runSpans, a => a.OperationName == "read topic" && a.ParentSpanId == runSpan.SpanId);
        Assert.Contains(runSpans, a => a.OperationName == "write staging" && a.ParentSpanId == runSpan.SpanId);
    }

    [Fact]
    public async Task The_command_line_with_engine_local_runs_the_job_and_prints_the_summary_line()
    {
        var produced = ProduceTwoIngestions();
        var database = await server.CreateDatabaseAsync("cli");
        var output = new StringWriter();

        var exitCode = await JobProgram.RunAsync(["--engine", "local"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _cluster.BootstrapServers,
            ["ConnectionStrings:energy_db"] = database,
        }), output);

        Assert.Equal(JobProgram.ExitSucceeded, exitCode);
        using var summary = JsonDocument.Parse(output.ToString());
        Assert.Equal("local", summary.RootElement.GetProperty("engine").GetString());
        Assert.Equal(produced, summary.RootElement.GetProperty("readings_read").GetInt64());
        Assert.Equal(Readings, summary.RootElement.GetProperty("duplicates_dropped").GetInt64());
        Assert.Equal(1, summary.RootElement.GetProperty("invalid").GetInt64());
        await using var db = new JobDatabaseView(database);
        Assert.Equal(IndependentFigures.Of(FinalReadings()).Select(JobDatabase.ExpectedText), await db.Database.QuarterRowsAsTextAsync());
    }

    [Fact]
    public async Task A_missing_topic_fails_the_run_clearly_and_records_it()
    {
        await using var db = await JobDatabase.CreateAsync(server, "notopic");
        var engine = Engine(db);

        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(
            () => db.Runner(engine).RunAsync("no_such_topic", TestContext.Current.CancellationToken));

        Assert.Contains("no_such_topic", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM pipeline_runs WHERE status = 'failed' AND error LIKE '%no_such_topic%'"));
    }

    [Theory]
    [InlineData("spark", "Job failed: The Spark engine needs ConnectionStrings:spark, which is not set (or run the job with --engine local).\n")]
    [InlineData("local", "ConnectionStrings:kafka")]
    [InlineData("flink", "use 'spark' or 'local'")]
    [InlineData("local", "Pipeline:Topic: topic name 'raw;energy' contains ';'", "raw;energy")]
    public async Task A_configuration_the_job_cannot_run_exits_with_code_2_and_says_why(string engine, string message, string topic = RawEnergyTopic.Name)
    {
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        try
        {
            var exitCode = await JobProgram.RunAsync(["--engine", engine, "--topic", topic], config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:energy_db"] = "Host=127.0.0.1;Database=unused",
            }));

            Assert.Equal(JobProgram.ExitConfiguration, exitCode);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Contains(message, errors.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => _cluster.Dispose();

    private sealed class JobDatabaseView(string connectionString) : IAsyncDisposable
    {
        public JobDatabase Database { get; } = JobDatabase.Open(connectionString);

        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }
}
