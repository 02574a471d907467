using System.Text.RegularExpressions;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Ingestor;
using EnergyPipeline.Tests.Job;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// One malformed-line policy, said the same everywhere: <c>Ingestor:MaxMalformedLines</c> (default 0) in --help, in
/// the docs' settings table and failure table, and in what ingest, validate, the completion record, the AppHost's
/// console line (hence its place among the AppHost's tests, the only ones that use its types) and pipeline_runs do with a file of one malformed line, at the default and at 5.
/// </summary>
public sealed class MalformedLinePolicyTests(PostgresServerFixture server) : IDisposable
{
    private const string Setting = "Ingestor:MaxMalformedLines";
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-policy-").FullName;
    private readonly MockKafkaCluster _cluster = new();

    [Fact]
    public async Task Help_docs_and_behaviour_agree_at_the_default_of_0_and_at_5()
    {
        var (_, help, _) = await IngestorCli.RunAsync("--help");
        var helpText = Regex.Replace(help, @"\s+", " ");
        Assert.Contains($" {Setting} 0 Malformed lines a file may have (ingest and validate): above it the run fails with exit code 1", helpText, StringComparison.Ordinal);
        Assert.Contains($"1 failure (more malformed lines than {Setting}", helpText, StringComparison.Ordinal);
        var operations = await File.ReadAllTextAsync(RepositoryFiles.PathOf("docs", "operations.md"), TestContext.Current.CancellationToken);
        Assert.Contains($"| `{Setting}` | `0` | Malformed lines a file may have (ingest and validate): above it the run fails with exit code 1", operations, StringComparison.Ordinal);
        Assert.Contains($"More than `{Setting}` (default 0): the ingestion fails (exit code 1", operations, StringComparison.Ordinal);

        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        var path = Path.Combine(_directory, "one-malformed.txt");
        SyntheticHouseholdFile.WriteFile(path, 2_000, seed: 6);
        var lines = File.ReadAllLines(path).ToList();
        lines.Insert(500, "16/12/2006;25:00:00;1.000;0.100;240.000;4.000;0.000;0.000;0.000");
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);

        // The default, 0: validate and ingest fail, nothing is attributed.
        Assert.Equal(1, (await IngestorCli.RunAsync("validate", "--file", path)).Code);
        var (code, output, errors) = await Ingest(path);
        Assert.Equal(1, code);
        var error = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: 1 malformed line in {path} (bad_time 1), more than {Setting} (0); first at line 501: bad_time", error, StringComparison.Ordinal);
        var summary = IngestorCli.LastLineJson(output);
        Assert.Equal(("failed", 1L, 1L), (summary.GetProperty("status").GetString(), summary.GetProperty("malformed").GetInt64(),
            summary.GetProperty("malformed_by_reason").GetProperty("bad_time").GetInt64()));
        Assert.Empty(KafkaTopicReader.ReadAll(_cluster.BootstrapServers, RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), TimeSpan.FromSeconds(5)));

        // 5: the line is skipped and said, by reason, everywhere.
        Assert.Equal(0, (await IngestorCli.RunAsync("validate", "--file", path, $"--{Setting}=5")).Code);
        (code, output, errors) = await Ingest(path, $"--{Setting}=5");
        Assert.True(code == 0, errors);
        // The AppHost's console line for the ingestor, from this summary line.
        Assert.Equal($"2,000 readings from {path} (file), 1 malformed line skipped, reasons: bad_time 1",
            ServiceSummaryLine.Describe(ResourceNames.Ingestor, IngestorCli.LastLineJson(output)));
        var completion = IngestionCompletion.TryParse(
            Assert.Single(KafkaTopicReader.ReadAll(_cluster.BootstrapServers, RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), TimeSpan.FromSeconds(20))).Message.Value,
            out var invalid);
        Assert.True(completion is not null, invalid);
        Assert.Equal((1L, 1L), (completion.MalformedLines, completion.MalformedByReason!["bad_time"]));

        await using var db = await JobDatabase.CreateAsync(server, "malformed_policy");
        await db.Runner(db.LocalEngine(_cluster.BootstrapServers)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        Assert.Equal(["1", "{1}", """{"bad_time": 1}"""], Assert.Single(await db.TextRowsAsync(
            "SELECT malformed_lines::text, ingestion_malformed_lines::text, malformed_by_reason::text FROM pipeline_runs WHERE status = 'succeeded'")));
    }

    private Task<(int Code, string Output, string Errors)> Ingest(string path, params string[] settings) =>
        IngestorCli.RunAsync(["ingest", "--file", path, $"--ConnectionStrings:kafka={_cluster.BootstrapServers}", .. settings]);

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
