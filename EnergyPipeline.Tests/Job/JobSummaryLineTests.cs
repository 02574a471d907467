using System.Text.Json;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The job's standard output as a script sees it: progress lines while it reads, then the JSON summary with status
/// succeeded as the very last line (nothing logged after it), and no progress bar when the output is redirected.
/// </summary>
[Collection(ConsoleErrorCollection.Name)]
public sealed class JobSummaryLineTests(PostgresServerFixture server)
{
    [Fact]
    public async Task The_last_line_of_standard_output_is_the_summary_with_status_succeeded_after_the_progress_lines()
    {
        using var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        using (var ingestion = new TestIngestion(cluster.BootstrapServers))
        {
            foreach (var reading in SyntheticReadings.Generate(3_000))
            {
                ingestion.Send(reading);
            }

            ingestion.Complete();
        }

        var database = await server.CreateDatabaseAsync("summaryline");
        var output = new StringWriter();
        var errors = new StringWriter();
        var (originalOut, originalError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(errors);
        int code;
        try
        {
            code = await JobProgram.RunAsync(["--engine", "local"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:kafka"] = cluster.BootstrapServers,
                ["ConnectionStrings:energy_db"] = database,
            }));
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }

        Assert.Equal(JobProgram.ExitSucceeded, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.Contains("Reading raw_energy done: 3,000 of 3,000 messages (100.0 %)", StringComparison.Ordinal));
        using var summary = JsonDocument.Parse(lines[^1]);
        Assert.Equal("succeeded", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(3_000, summary.RootElement.GetProperty("readings_read").GetInt64());
        Assert.DoesNotContain('\u001b', output.ToString() + errors);
    }

    [Fact]
    public void Summary_lines_keep_their_text_as_it_is()
    {
        var succeeded = new SparkJob.Orchestration.JobSummary(Guid.Empty, "l'ocal·é", 1, 0, 0, 0, null, 1, 0.5).ToJson();
        var failed = SparkJob.Orchestration.JobFailureSummary.ToJson("local", "topic 'raw_energy' is not the file's", TimeSpan.Zero);

        Assert.Contains("\"engine\":\"l'ocal·é\"", succeeded, StringComparison.Ordinal);
        Assert.StartsWith("{\"status\":\"succeeded\",", succeeded, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"topic 'raw_energy' is not the file's\"", failed, StringComparison.Ordinal);
    }
}
