using System.Text.Json;
using System.Text.RegularExpressions;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Ingestor;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Testing;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Only the ingestor's own completion records count when both services have the key (docs/contract.md, *Signed
/// completion records*): the real ingestor signs, forged ingestions on the same mock cluster (readings and a record
/// without MAC, with another key's, or the ingestor's record with its offsets changed) are counted and change no
/// figure, checked against the figures computed from the ingested file.
/// </summary>
[Collection(IngestorActivityCollection.Name)]
public sealed class SignedCompletionTests(PostgresServerFixture server) : IDisposable
{
    private const int Rows = 5_000;
    private const int Partitions = 3;
    private const int Forged = 10;
    private const string Key = "the-pipeline-s-completion-key-0123456789";
    private const string OtherKey = "another-completion-key-of-40-characters!";
    private readonly MockKafkaCluster _cluster = PipelineCluster();
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-signed-").FullName;

    [Fact]
    public async Task Readings_that_an_unsigned_a_wrongly_signed_or_a_changed_record_names_attribute_nothing_are_counted_and_change_no_figure()
    {
        var file = File("a.txt", seed: 21);
        var ingestion = await IngestAsync(file, $"--{CompletionKey.Setting}={Key}");
        var database = await server.CreateDatabaseAsync("signed");
        Assert.Equal(0, (await RunJobAsync(database, Key)).Code);
        await using var db = JobDatabase.Open(database);
        var expected = ExpectedTable(file);
        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());

        // Newer copies of the file's minutes with other values, that would change every figure they reach.
        var minutes = ReferenceHouseholdFile.Readings(file).Select(r => r.Timestamp).Take(3 * Forged).ToList();
        var signed = Completions().Single();
        var unsigned = Forge(minutes[..Forged], finish: null);
        var otherKey = Forge(minutes[Forged..(2 * Forged)], CompletionKey.From(OtherKey).Sign);
        // The ingestor's record as it was signed, its offsets moved onto forged readings: the MAC no longer fits.
        Forge(minutes[(2 * Forged)..], forged => signed with { OffsetRuns = forged.OffsetRuns, RowsSent = forged.RowsSent });

        var (code, summary) = await RunJobAsync(database, Key);

        Assert.Equal(0, code);
        Assert.Equal(expected, await db.QuarterRowsAsTextAsync());
        Assert.Equal((3, 3 * Forged, Rows),
            (summary.GetProperty("unsigned_completions").GetInt32(), summary.GetProperty("unattributed").GetInt32(), summary.GetProperty("readings_read").GetInt32()));
        Assert.Equal(3, await db.ScalarAsync("SELECT unsigned_completions FROM pipeline_runs WHERE run_id = $1", summary.GetProperty("run_id").GetGuid()));

        // The log names each refused record once, in one warning.
        var logger = new FakeLogger<JobRunner>();
        var engine = db.LocalEngine(new LocalEngineOptions { BootstrapServers = _cluster.BootstrapServers, Verifier = new CompletionVerifier(CompletionKey.From(Key)) });
        await new JobRunner(db.Migrator, db.Store, engine, logger).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Message.Contains("completion records have no valid MAC", StringComparison.Ordinal)).Message;
        Assert.StartsWith("3 completion records", warning, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(warning, Regex.Escape($"run {unsigned} at offset 1 (no MAC)")));
        Assert.Single(Regex.Matches(warning, Regex.Escape($"run {otherKey} at offset 2 (wrong MAC)")));
        Assert.Single(Regex.Matches(warning, Regex.Escape($"run {ingestion} at offset 3 (wrong MAC)")));
    }

    [Fact]
    public async Task The_ingestor_signs_its_record_with_its_key_and_without_one_writes_it_unsigned_saying_so_in_one_warning()
    {
        var file = File("b.txt", seed: 22);
        await IngestAsync(file, $"--{CompletionKey.Setting}={Key}");

        var unkeyed = await ChildProcess.RunProjectAsync("EnergyPipeline.Ingestor", TimeSpan.FromMinutes(2), ["ingest", "--file", file, .. IngestorSettings()]);

        Assert.True(unkeyed.ExitCode == 0, unkeyed.Errors);
        var records = Completions();
        Assert.Equal(2, records.Count);
        Assert.Equal(CompletionSignature.Valid, CompletionKey.From(Key).Check(records[0]));
        Assert.Equal(CompletionSignature.Wrong, CompletionKey.From(OtherKey).Check(records[0]));
        Assert.Null(records[1].Mac);
        Assert.Single((unkeyed.Output + unkeyed.Errors).Split('\n'), l => l.Contains("Pipeline:CompletionKey is not set", StringComparison.Ordinal));
    }

    /// <summary>
    /// Forged readings of <paramref name="minutes"/> (valid, other values than the file's) and a completion record
    /// naming their offsets, unsigned or as <paramref name="finish"/> makes it; returns the record's run id.
    /// </summary>
    private string Forge(IEnumerable<DateTime> minutes, Func<IngestionCompletion, IngestionCompletion>? finish)
    {
        using var forged = new TestIngestion(_cluster.BootstrapServers);
        foreach (var minute in minutes)
        {
            forged.Send(Complete(minute, 9.999m, s1: 1m));
        }

        return forged.Complete(finish).RunId;
    }

    private static MockKafkaCluster PipelineCluster()
    {
        var cluster = new MockKafkaCluster();
        cluster.CreatePipelineTopics(RawEnergyTopic.Name, Partitions);
        return cluster;
    }

    private string File(string name, ulong seed)
    {
        var path = Path.Combine(_directory, name);
        SyntheticHouseholdFile.WriteFile(path, Rows, seed);
        return path;
    }

    private static List<string> ExpectedTable(string file) =>
        IndependentFigures.Of(ReferenceHouseholdFile.Readings(file)).Select(JobDatabase.ExpectedText).ToList();

    /// <summary>The ingestor's command line, in-process, to its end; returns the run id.</summary>
    private async Task<string> IngestAsync(string file, params string[] settings)
    {
        var (code, output, errors) = await IngestorCli.RunAsync(["ingest", "--file", file, .. IngestorSettings(), .. settings]);
        Assert.True(code == 0, errors);
        return IngestorCli.LastLineJson(output).GetProperty("run_id").GetString()!;
    }

    private string[] IngestorSettings() =>
        [$"--ConnectionStrings:kafka={_cluster.BootstrapServers}", $"--Ingestor:Partitions={Partitions}", "--Logging:LogLevel:Default=Warning"];

    /// <summary>The job's command line, in-process, with the key: exit code and summary line.</summary>
    private async Task<(int Code, JsonElement Summary)> RunJobAsync(string database, string key)
    {
        using var output = new StringWriter();
        var code = await JobProgram.RunAsync(["--engine", "local"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _cluster.BootstrapServers,
            ["ConnectionStrings:energy_db"] = database,
            [CompletionKey.Setting] = key,
            ["Logging:LogLevel:Default"] = "Warning",
        }), output);
        return (code, IngestorCli.LastLineJson(output.ToString()));
    }

    private List<IngestionCompletion> Completions() =>
        KafkaTopicReader.ReadAll(_cluster.BootstrapServers, RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), TimeSpan.FromSeconds(20))
            .Select(m => IngestionCompletion.TryParse(m.Message.Value, out var error) ?? throw new Xunit.Sdk.XunitException(error))
            .ToList();

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
