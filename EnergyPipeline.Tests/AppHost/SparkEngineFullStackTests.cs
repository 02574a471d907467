using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using EnergyPipeline.AppHost;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob;
using EnergyPipeline.Tests.Contract;
using EnergyPipeline.Tests.Spark;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The whole pipeline on containers: a generated file ingested to Kafka, the job on the spark engine (Spark Connect,
/// HDFS raw zone, JDBC staging, C# publish), then the local engine on the same topic; both tables must be identical
/// to the last digit and the raw zone must hold Parquet files by year and quarter. Needs a container runtime:
/// skipped with the reason when none answers.
/// </summary>
public sealed class SparkEngineFullStackTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(15);

    private const string QuarterlyRowsQuery = """
        SELECT quarter, total_energy_wh, record_count, reading_count, missing_count,
               sub_metering_1_wh, sub_metering_2_wh, sub_metering_3_wh, unmetered_energy_wh, reactive_energy_varh,
               avg_voltage_v, avg_global_active_power_kw, peak_global_active_power_kw, first_reading_at, last_reading_at
        FROM quarterly_energy_data
        ORDER BY quarter
        """;

    [Fact]
    public async Task Spark_and_local_engines_write_identical_tables_and_the_raw_zone_is_parquet_in_hdfs()
    {
        var runtime = ContainerRuntime.Name(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        var problem = await ContainerRuntime.ProbeAsync(runtime, TestContext.Current.CancellationToken);
        if (problem is not null)
        {
            Assert.Skip($"Needs a container runtime for Kafka, HDFS, Spark and PostgreSQL; {runtime}: {problem}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RunTimeout);
        var ct = timeout.Token;

        var dataDirectory = Directory.CreateTempSubdirectory("energy-fullstack-");
        try
        {
            var file = Path.Combine(dataDirectory.FullName, "household_power_consumption.txt");
            var readings = SyntheticHouseholdFile.WriteFile(file, rows: 60_000).Rows;

            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.EnergyPipeline_AppHost>(
                ["--Pipeline:Engine=spark", $"--Ingestor:File={file}", $"--Parameters:postgres-password={Guid.NewGuid():N}"], ct);
            await using var app = await builder.BuildAsync(ct);
            await app.StartAsync(ct);

            foreach (var resource in new[] { "zookeeper", "kafka", "postgres", "energy-db", "namenode", "datanode", "spark" })
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);
            }

            CustomResourceSnapshot? firstJob = null;
            foreach (var project in new[] { "ingestor", "spark-job" })
            {
                var finished = await app.ResourceNotifications.WaitForResourceAsync(
                    project, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct);
                Assert.Equal(0, finished.Snapshot.ExitCode);
                firstJob = finished.Snapshot;
            }

            var database = await app.GetConnectionStringAsync("energy-db", ct)
                ?? throw new InvalidOperationException("energy-db has no connection string");
            var sparkRows = await ReadQuarterlyRowsAsync(database, ct);
            Assert.NotEmpty(sparkRows);
            Assert.Equal(readings, sparkRows.Sum(row => (long)row[3]!));

            using (var http = new HttpClient { BaseAddress = new Uri(app.GetEndpoint("namenode", "http"), "/") })
            {
                // The published run's own directory, as the publishing transaction recorded it.
                var rawZone = new Uri(await CurrentRawZoneAsync(database, ct));
                Assert.StartsWith($"{SparkJob.Spark.SparkEngineOptions.DefaultRawZonePath}/run_id=", rawZone.AbsolutePath, StringComparison.Ordinal);
                var files = await new WebHdfsListing(http).FilesAsync(rawZone.AbsolutePath, ct);
                var parquet = files.Where(f => f.Path.EndsWith(".parquet", StringComparison.Ordinal)).ToList();
                Assert.NotEmpty(parquet);
                Assert.All(parquet, f => Assert.Matches(@"^year=\d{4}/quarter=[1-4]/part-[^/]+\.parquet$", f.Path));
                Assert.Equal(sparkRows.Count, parquet.Select(f => f.Path[..f.Path.LastIndexOf('/')]).Distinct().Count());
            }

            // Grafana, as an anonymous viewer: the provisioned dashboard exists, and its data source answers as the
            // read-only role the job provisioned, with the published quarters.
            await app.ResourceNotifications.WaitForResourceHealthyAsync("grafana", ct);
            using (var grafana = new HttpClient { BaseAddress = new Uri(app.GetEndpoint("grafana", "http"), "/") })
            {
                using var dashboard = JsonDocument.Parse(await grafana.GetStringAsync("api/dashboards/uid/household-energy", ct));
                Assert.Equal("Household energy by quarter", dashboard.RootElement.GetProperty("dashboard").GetProperty("title").GetString());

                using var query = await grafana.PostAsJsonAsync("api/ds/query", new
                {
                    queries = new[] { new { refId = "A", datasource = new { uid = "energy-db" }, rawSql = "SELECT count(*) AS quarters FROM quarterly_energy_data", format = "table" } },
                    from = "now-1h",
                    to = "now",
                }, ct);
                query.EnsureSuccessStatusCode();
                using var answer = JsonDocument.Parse(await query.Content.ReadAsStringAsync(ct));
                var value = answer.RootElement.GetProperty("results").GetProperty("A").GetProperty("frames")[0].GetProperty("data").GetProperty("values")[0][0];
                Assert.Equal(sparkRows.Count, value.GetInt32());
            }

            var kafka = await app.GetConnectionStringAsync("kafka", ct)
                ?? throw new InvalidOperationException("kafka has no connection string");

            // Every case of the contract table into the topic next to the valid readings, then the spark engine again
            // (the dashboard's command) and the local engine: same invalid count, identical tables.
            var invalidCases = ProduceContractCases(kafka);
            var commands = app.Services.GetRequiredService<ResourceCommandService>();
            var rerun = await commands.ExecuteCommandAsync("spark-job", PipelineCommands.RunJobCommand(PipelineEngine.Spark), ct);
            Assert.True(rerun.Success, rerun.Message);
            var secondJob = await app.ResourceNotifications.WaitForResourceAsync(
                "spark-job",
                e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text) && e.Snapshot.StartTimeStamp > firstJob!.StartTimeStamp,
                ct);
            Assert.Equal(0, secondJob.Snapshot.ExitCode);
            sparkRows = await ReadQuarterlyRowsAsync(database, ct);
            Assert.Equal(invalidCases, await LatestInvalidCountAsync(database, "spark", ct));

            Assert.Equal(JobProgram.ExitSucceeded, await JobProgram.RunAsync(
                ["--engine", "local"],
                config => config.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["ConnectionStrings:kafka"] = kafka,
                    ["ConnectionStrings:energy_db"] = database,
                })));
            var localRows = await ReadQuarterlyRowsAsync(database, ct);
            Assert.Equal(invalidCases, await LatestInvalidCountAsync(database, "local", ct));

            Assert.Equal(localRows.Count, sparkRows.Count);
            for (var i = 0; i < localRows.Count; i++)
            {
                // Compared as text: NUMERIC values equal to the last digit, with the same scale.
                Assert.Equal(string.Join(" | ", localRows[i]), string.Join(" | ", sparkRows[i]));
            }
        }
        finally
        {
            dataDirectory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Produces the contract table's cases (all but null keys, which a compacted topic refuses) and returns how many
    /// of them are invalid.
    /// </summary>
    private static long ProduceContractCases(string bootstrapServers)
    {
        var cases = ContractCases.All.Where(c => c.Key is not null).ToList();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            MessageMaxBytes = 2 * 1024 * 1024,
        }).Build();
        foreach (var contractCase in cases)
        {
            producer.Produce(RawEnergyTopic.Name, new Message<byte[]?, byte[]?> { Key = contractCase.Key, Value = contractCase.Value });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        return cases.Count(c => c.Reason is not null);
    }

    private static async Task<long> LatestInvalidCountAsync(string connectionString, string engine, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT invalid_count FROM pipeline_runs WHERE engine = @engine AND status = 'succeeded' ORDER BY started_at DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("engine", engine);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<object?[]>> ReadQuarterlyRowsAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(QuarterlyRowsQuery, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = await reader.IsDBNullAsync(i, ct) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static async Task<string> CurrentRawZoneAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"SELECT raw_zone_uri FROM {SparkJob.Storage.EnergySchema.CurrentRawZoneView}", connection);
        return (string?)await command.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException("The published Spark run recorded no raw zone.");
    }
}
