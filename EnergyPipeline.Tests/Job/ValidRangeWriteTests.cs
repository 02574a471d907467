using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Spark;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The first and last minute of the plausible range (docs/contract.md, *Message validity*) travel through both
/// engines' write paths into quarterly_energy_data and come back exactly; and no date the job writes can become
/// PostgreSQL's -infinity (Npgsql's infinity conversions are off, <see cref="SparkJob.JobProgram.DisableNpgsqlInfinityConversions"/>).
/// </summary>
public sealed class ValidRangeWriteTests(PostgresServerFixture server) : IDisposable
{
    private readonly MockKafkaCluster _cluster = new();

    /// <summary>The range's first and last minute, each with a neighbour in its quarter.</summary>
    private static readonly EnergyReading[] Edges =
    [
        Complete(ReadingValidity.FirstValidMinute, 1.234m, grp: 0.1m, voltage: 240.5m, s1: 1m),
        Complete(ReadingValidity.FirstValidMinute.AddMinutes(1), 2.5m, voltage: 239m),
        Missing(ReadingValidity.EndOfValidRange.AddMinutes(-2)),
        Complete(ReadingValidity.EndOfValidRange.AddMinutes(-1), 4.321m, grp: 0.2m, voltage: 231m, s3: 17m),
    ];

    [Fact]
    public async Task The_local_engine_copies_and_publishes_the_ranges_first_and_last_minute_exactly()
    {
        _cluster.CreatePipelineTopics(RawEnergyTopic.Name, 2);
        using (var ingestion = new TestIngestion(_cluster.BootstrapServers))
        {
            foreach (var reading in Edges)
            {
                ingestion.Send(reading);
            }

            ingestion.Complete();
        }

        await using var db = await JobDatabase.CreateAsync(server, "range_local");
        var summary = await db.Runner(db.LocalEngine(_cluster.BootstrapServers)).RunAsync(RawEnergyTopic.Name, TestContext.Current.CancellationToken);

        Assert.Equal((4L, 0L), (summary.ReadingsRead, summary.Invalid));
        Assert.Equal(IndependentFigures.Of(Edges).Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
        Assert.Equal(["1970-01-01 00:00:00|1970-01-01 00:01:00", "2099-12-31 23:58:00|2099-12-31 23:59:00"], await ReadingSpansAsync(db));
    }

    [Fact]
    public async Task The_spark_plans_aggregates_run_on_postgres_stage_and_publish_the_ranges_first_and_last_minute_exactly()
    {
        await using var db = await JobDatabase.CreateAsync(server, "range_spark");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);
        await SparkAggregationOnPostgresTests.CreateReadingsViewAsync(db, Edges.Select((reading, offset) => (0, (long)offset, reading)));
        var runId = await PublicationLockTests.StageRunAsync(db);

        // What Spark's JDBC writer appends to the staging table: the plan's aggregates, column by column (the run id
        // travels as text, which the writer's stringtype=unspecified lets PostgreSQL read as uuid).
        var columns = string.Join(", ", EnergySchema.FigureColumns);
        var values = string.Join(", ", EnergySchema.FigureColumns.Select(c => c == "run_id" ? "run_id::uuid" : c));
        await db.ExecuteAsync($"INSERT INTO {EnergySchema.StagingTable} ({columns}) SELECT {values} FROM ({SparkPlan.QuarterlyAggregatesQuery(runId)}) aggregates");
        await db.Store.PublishAsync(runId, PublicationLockTests.Result(Edges.Length), TestContext.Current.CancellationToken);

        Assert.Equal(IndependentFigures.Of(Edges).Select(JobDatabase.ExpectedText), await db.QuarterRowsAsTextAsync());
        Assert.Equal(["1970-01-01 00:00:00|1970-01-01 00:01:00", "2099-12-31 23:58:00|2099-12-31 23:59:00"], await ReadingSpansAsync(db));
    }

    [Fact]
    public async Task The_smallest_date_and_time_are_written_as_themselves_never_as_minus_infinity()
    {
        await using var db = await JobDatabase.CreateAsync(server, "no_infinity");
        await db.Migrator.MigrateAsync(TestContext.Current.CancellationToken);
        var runId = await PublicationLockTests.StageRunAsync(db);
        var figures = new QuarterFigures(DateOnly.MinValue, 1m, 1, 1, 0, 0m, 0m, 0m, 1m, 0m, 240m, 1m, 1m, DateTime.MinValue, DateTime.MinValue);

        await db.Store.WriteStagingAsync(runId, [figures], TestContext.Current.CancellationToken);

        var row = Assert.Single(await db.TextRowsAsync(
            "SELECT quarter::text, first_reading_at::text, isfinite(quarter)::text, isfinite(first_reading_at)::text FROM quarterly_energy_staging WHERE run_id = $1",
            runId));
        Assert.Equal(["0001-01-01", "0001-01-01 00:00:00", "true", "true"], row);
    }

    private static async Task<List<string>> ReadingSpansAsync(JobDatabase db) =>
        [.. (await db.TextRowsAsync("SELECT first_reading_at::text, last_reading_at::text FROM quarterly_energy_data ORDER BY quarter"))
            .Select(row => string.Join('|', row))];

    public void Dispose() => _cluster.Dispose();
}
