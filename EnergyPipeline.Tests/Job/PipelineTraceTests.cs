using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using EnergyPipeline.Ingestor.CommandLine;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Telemetry;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// One trace per pipeline run: the job's run span continues the trace of the newest completed ingestion (its
/// completion record's traceparent is the parent) and links the traces of the other ingestions its figures come
/// from, taken from their completion records (messages carry no headers).
/// </summary>
public sealed class PipelineTraceTests(PostgresServerFixture server) : IDisposable
{
    private const int ReadingsPerIngestion = 2_000;

    // Written by hand (not by the code under test): three ingestion runs' spans, oldest first.
    private static readonly string[] IngestionTraces =
    [
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50-1a2b3c4d5e6f7081-01",
    ];

    private readonly MockKafkaCluster _cluster = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();

    [Fact]
    public async Task With_one_ingestion_the_run_span_is_a_child_of_the_ingestion_span_and_links_nothing()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, RawEnergyTopic.DefaultPartitions);
        Ingest(IngestionTraces[0]);
        await using var db = await JobDatabase.CreateAsync(server, "trace_one");

        var (summary, runSpan) = await RunJobAsync(db);

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", runSpan.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", runSpan.ParentSpanId.ToHexString());
        Assert.Empty(runSpan.Links);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", summary.TraceId);
        Assert.Contains(_stopped, a => a.OperationName == "read topic" && a.ParentSpanId == runSpan.SpanId && a.TraceId == runSpan.TraceId);
        Assert.Contains(_stopped, a => a.OperationName == "publish quarterly figures" && a.ParentSpanId == runSpan.SpanId && a.TraceId == runSpan.TraceId);
    }

    [Fact]
    public async Task With_several_ingestions_the_newest_completed_one_is_the_parent_and_the_others_are_links()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, RawEnergyTopic.DefaultPartitions);
        // Three files of different minutes: each supplies readings.
        for (var i = 0; i < IngestionTraces.Length; i++)
        {
            Ingest(IngestionTraces[i], firstMinute: i * ReadingsPerIngestion);
        }

        await using var db = await JobDatabase.CreateAsync(server, "trace_several");

        var (summary, runSpan) = await RunJobAsync(db);

        Assert.Equal(3 * ReadingsPerIngestion, summary.ReadingsRead);
        Assert.Equal("5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50", runSpan.TraceId.ToHexString());
        Assert.Equal("1a2b3c4d5e6f7081", runSpan.ParentSpanId.ToHexString());
        Assert.Equal(
            ["0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"],
            runSpan.Links.Select(l => $"{l.Context.TraceId.ToHexString()}-{l.Context.SpanId.ToHexString()}").Order());
        Assert.Equal("5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50", summary.TraceId);
    }

    [Fact]
    public async Task An_ingestion_whose_every_minute_was_ingested_again_is_not_linked()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, RawEnergyTopic.DefaultPartitions);
        Ingest(IngestionTraces[0]);
        Ingest(IngestionTraces[1]);
        Ingest(IngestionTraces[2], firstMinute: ReadingsPerIngestion);
        await using var db = await JobDatabase.CreateAsync(server, "trace_superseded");

        var (summary, runSpan) = await RunJobAsync(db);

        Assert.Equal(3 * ReadingsPerIngestion, summary.ReadingsRead);
        Assert.Equal(ReadingsPerIngestion, summary.DuplicatesDropped);
        Assert.Equal("5c3e8d2a1f0b4e6c9d7a8b1c2d3e4f50", runSpan.TraceId.ToHexString());
        Assert.Equal(["4bf92f3577b34da6a3ce929d0e0e4736"], runSpan.Links.Select(l => l.Context.TraceId.ToHexString()));
    }

    [Fact]
    public async Task Beyond_the_cap_the_run_links_only_the_oldest_ingestions_its_figures_come_from()
    {
        // Two ingestions more than the cap, besides the newest (the parent): the oldest MaxTraceLinks are linked.
        var traces = Enumerable.Range(1, JobTelemetry.MaxTraceLinks + 3).Select(i => $"00-{i:x32}-{i:x16}-01").ToArray();
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 1);
        for (var i = 0; i < traces.Length; i++)
        {
            Ingest(traces[i], readings: 3, firstMinute: 3 * i);
        }

        await using var db = await JobDatabase.CreateAsync(server, "trace_cap");

        var (_, runSpan) = await RunJobAsync(db);

        Assert.Equal(traces[^1].Split('-')[1], runSpan.TraceId.ToHexString());
        Assert.Equal(
            traces.Take(JobTelemetry.MaxTraceLinks).Select(t => t.Split('-')[1]),
            runSpan.Links.Select(l => l.Context.TraceId.ToHexString()));
    }

    [Fact]
    public async Task After_one_ingestion_and_one_job_run_from_the_command_lines_both_summaries_print_the_same_trace_id()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 3);
        var directory = Directory.CreateTempSubdirectory("energy-trace-").FullName;
        try
        {
            var file = Path.Combine(directory, "household.txt");
            SyntheticHouseholdFile.WriteFile(file, 3_000, seed: 5);
            using var ingestorOutput = new StringWriter();
            using var ingestorErrors = new StringWriter();
            var ingestorCode = await IngestorCommandLine.RunAsync(
                ["ingest", "--file", file, $"--ConnectionStrings:kafka={_cluster.BootstrapServers}", "--Ingestor:Partitions=3",
                    "--Logging:LogLevel:Default=Warning"],
                ingestorOutput, ingestorErrors);
            Assert.Equal(0, ingestorCode);

            var database = await server.CreateDatabaseAsync("trace_cli");
            using var jobOutput = new StringWriter();
            var jobCode = await JobProgram.RunAsync(["--engine", "local"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:kafka"] = _cluster.BootstrapServers,
                ["ConnectionStrings:energy_db"] = database,
                ["Logging:LogLevel:Default"] = "Warning",
            }), jobOutput);
            Assert.Equal(JobProgram.ExitSucceeded, jobCode);
            // The ingestor's messages carry key and value only: the job found the trace in the completion record.
            Assert.All(KafkaTopicReader.ReadAll(_cluster.BootstrapServers, RawEnergyTopic.Name, TimeSpan.FromSeconds(20)),
                m => Assert.True(m.Message.Headers is null or { Count: 0 }));

            var ingestion = LastLineJson(ingestorOutput.ToString());
            var job = LastLineJson(jobOutput.ToString());
            var traceId = ingestion.GetProperty("trace_id").GetString();
            Assert.Matches("^[0-9a-f]{32}$", traceId);
            Assert.NotEqual(new string('0', 32), traceId);
            Assert.Equal(traceId, job.GetProperty("trace_id").GetString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// One completed ingestion run under <paramref name="traceParent"/>: <paramref name="readings"/> readings from
    /// <paramref name="firstMinute"/> minutes after the data set's first (the same values for the same minutes).
    /// </summary>
    private void Ingest(string traceParent, int readings = ReadingsPerIngestion, int firstMinute = 0)
    {
        using var ingestion = new TestIngestion(_cluster.BootstrapServers, traceParent: traceParent);
        foreach (var reading in SyntheticReadings.Generate(firstMinute + readings).Skip(firstMinute))
        {
            ingestion.Send(reading);
        }

        ingestion.Complete();
    }

    private async Task<(JobSummary Summary, Activity RunSpan)> RunJobAsync(JobDatabase db)
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var completions = new SnapshotSource(TestKafkaClients.SnapshotConsumers(_cluster.BootstrapServers), _cluster.BootstrapServers, TimeSpan.FromSeconds(30));
        var summary = await db.Runner(db.LocalEngine(_cluster.BootstrapServers), completions).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        // Other tests' runs may be heard too: this run's span is the one tagged with its run id.
        var runSpan = Assert.Single(_stopped, a => a.OperationName == "energy job run" && (string?)a.GetTagItem("energy.run_id") == summary.RunId.ToString());
        return (summary, runSpan);
    }

    private static JsonElement LastLineJson(string output) =>
        JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement;

    public void Dispose() => _cluster.Dispose();
}
