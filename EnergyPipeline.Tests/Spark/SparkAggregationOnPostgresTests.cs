using System.Globalization;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;
using Npgsql;
using NpgsqlTypes;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// The Spark engine's aggregation, executed: <see cref="SparkPlan.QuarterlyAggregatesQuery"/> is written in the SQL
/// Spark and PostgreSQL share, so its exact text runs here on PostgreSQL over a table of cleaned readings named like
/// the Spark view. PostgreSQL's NUMERIC sums are exact and its ROUND is half away from zero, as Spark's DECIMAL SUM
/// and ROUND (the intermediate scales are checked in <see cref="SparkDecimalTypeTests"/>), so every column must equal
/// the local engine's and the plain decimal reference's. The fixture has the cases that tell formulas apart:
/// duplicates arriving out of order and tied across partitions, missing readings, null measures inside complete
/// readings, a quarter of missing readings only, half-way averages, a negative unmetered energy and reactive power
/// whose third decimal matters.
/// </summary>
public sealed class SparkAggregationOnPostgresTests(PostgresServerFixture server)
{
    private static readonly Guid RunId = Guid.Parse("0f0e0d0c-0b0a-0908-0706-050403020100");

    /// <summary>(partition, offset, reading): every message of the fixture topic.</summary>
    private static List<(int Partition, long Offset, EnergyReading Reading)> Messages()
    {
        var q1 = new DateTime(2007, 2, 10, 8, 0, 0);
        var q2 = new DateTime(2007, 5, 1, 0, 0, 0);
        var q4 = new DateTime(2008, 12, 31, 23, 57, 0);
        return
        [
            // 2007Q1: mean power (1 + 2 + 0.5 + 0.25) / 4 = 0.9375 -> 0.938; mean voltage (240.001 + 240) / 2 -> 240.001.
            (0, 0, Complete(q1, 1.000m, grp: 0.101m, voltage: 240.001m, s1: 1m, s2: 2m, s3: 3m)),
            (0, 1, Complete(q1.AddMinutes(1), 2.000m, grp: 0.055m, voltage: 240.000m, s3: 17m)),
            (1, 0, new EnergyReading(q1.AddMinutes(2), 0.500m, 0.013m, null, 2.2m, 0m, null, 1m)),
            (1, 1, new EnergyReading(q1.AddMinutes(3), 0.250m, null, null, 1.0m, null, 0m, 0m)),
            (2, 0, Missing(q1.AddMinutes(4))),
            // Incomplete (no active power) but with every other measure: counts as a reading, adds to no sum.
            (2, 5, new EnergyReading(q1.AddMinutes(7), null, 0.321m, 241.5m, 1.4m, 5m, 6m, 7m)),
            // 2007Q2: missing readings only (sums 0, averages and peak NULL).
            (0, 2, Missing(q2)),
            (1, 2, Missing(q2.AddMinutes(1))),
            // 2008Q4: sub-metering above the active energy: unmetered energy negative.
            (2, 1, Complete(q4, 0.060m, grp: 0.333m, voltage: 239.999m, s1: 0.5m, s2: 0.25m, s3: 0.3m)),
            (2, 2, Complete(q4.AddMinutes(1), 0.066m, grp: 0.667m, voltage: 241.111m, s3: 2m)),
            (2, 3, Missing(q4.AddMinutes(2))),
            // Listed oldest first; the test feeds them in reverse, so the newest copy of a minute arrives first.
            // A re-ingested minute: offset 9 wins over the older copies that arrive after it.
            (3, 2, Missing(q4.AddMinutes(-5))),
            (3, 4, Complete(q4.AddMinutes(-5), 7.777m, grp: 0.999m, voltage: 250m, s1: 60m)),
            (3, 9, Complete(q4.AddMinutes(-5), 0.001m, grp: 0.001m, voltage: 235.5m)),
            // Equal offsets in two partitions: partition 5 wins although partition 4's copy arrives last.
            (4, 6, Complete(q4.AddMinutes(-6), 4.4m, grp: 0.4m, voltage: 244m, s2: 30m)),
            (5, 6, Complete(q4.AddMinutes(-6), 0.004m, grp: 0.002m, voltage: 230m)),
        ];
    }

    /// <summary>The readings kept after de-duplication, worked out here: per minute the highest offset, then partition.</summary>
    private static List<(int Partition, long Offset, EnergyReading Reading)> Cleaned() =>
        Messages().GroupBy(m => m.Reading.Timestamp)
            .Select(g => g.OrderByDescending(m => m.Offset).ThenByDescending(m => m.Partition).First())
            .OrderBy(m => m.Reading.Timestamp)
            .ToList();

    [Fact]
    public async Task The_spark_aggregation_run_on_postgres_equals_the_local_engine_column_by_column()
    {
        var aggregator = new QuarterlyAggregator();
        // Arrival order: reversed, so older copies come last.
        foreach (var (partition, offset, reading) in Enumerable.Reverse(Messages()))
        {
            aggregator.Add(reading, partition, offset);
        }

        var local = aggregator.Complete().Quarters;
        var spark = await RunSparkQueryAsync();

        Assert.Equal(local.Count, spark.Count);
        for (var i = 0; i < local.Count; i++)
        {
            AssertSameColumns(local[i], spark[i]);
        }
    }

    [Fact]
    public async Task The_spark_aggregation_run_on_postgres_equals_the_decimal_reference()
    {
        var reference = IndependentFigures.Of(Cleaned().Select(m => m.Reading));

        var spark = await RunSparkQueryAsync();

        Assert.Equal(3, reference.Count);
        Assert.Equal(reference.Count, spark.Count);
        for (var i = 0; i < reference.Count; i++)
        {
            AssertSameColumns(reference[i], spark[i]);
        }

        // Figures worked out by hand for the half-way averages and the quarter without complete readings.
        Assert.Equal((0.938m, 240.001m), ((decimal)spark[0]["avg_global_active_power_kw"]!, (decimal)spark[0]["avg_voltage_v"]!));
        Assert.Equal((4L, 6L, 2.817m), ((long)spark[0]["record_count"]!, (long)spark[0]["reading_count"]!, (decimal)spark[0]["reactive_energy_varh"]!));
        Assert.Equal((0L, 2L, 0m), ((long)spark[1]["record_count"]!, (long)spark[1]["missing_count"]!, (decimal)spark[1]["total_energy_wh"]!));
        Assert.Null(spark[1]["peak_global_active_power_kw"]);
        Assert.True((decimal)spark[2]["unmetered_energy_wh"]! < 0);
    }

    private static void AssertSameColumns(QuarterFigures expected, Dictionary<string, object?> actual)
    {
        var columns = new (string Name, object? Value)[]
        {
            ("quarter", expected.Quarter), ("total_energy_wh", expected.TotalEnergyWh), ("record_count", expected.RecordCount),
            ("reading_count", expected.ReadingCount), ("missing_count", expected.MissingCount),
            ("sub_metering_1_wh", expected.SubMetering1Wh), ("sub_metering_2_wh", expected.SubMetering2Wh),
            ("sub_metering_3_wh", expected.SubMetering3Wh), ("unmetered_energy_wh", expected.UnmeteredEnergyWh),
            ("reactive_energy_varh", expected.ReactiveEnergyVarh), ("avg_voltage_v", expected.AvgVoltageV),
            ("avg_global_active_power_kw", expected.AvgGlobalActivePowerKw), ("peak_global_active_power_kw", expected.PeakGlobalActivePowerKw),
            ("first_reading_at", expected.FirstReadingAt), ("last_reading_at", expected.LastReadingAt),
        };
        foreach (var (name, value) in columns)
        {
            Assert.True(Equals(value, actual[name]), $"{expected.Quarter} {name}: expected {value ?? "NULL"}, Spark SQL gave {actual[name] ?? "NULL"}");
        }

        Assert.Equal(RunId.ToString(), actual["run_id"]);
    }

    /// <summary>The cleaned readings in a table named like the Spark view, then the plan's query text as is.</summary>
    private async Task<List<Dictionary<string, object?>>> RunSparkQueryAsync()
    {
        await using var db = await JobDatabase.CreateAsync(server, "spark_sql");
        await CreateReadingsViewAsync(db, Cleaned());

        var rows = new List<Dictionary<string, object?>>();
        await using var query = db.DataSource.CreateCommand(SparkPlan.QuarterlyAggregatesQuery(RunId) + "\nORDER BY quarter");
        await using var reader = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var row = new Dictionary<string, object?>();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetName(i) == "quarter"
                    ? reader.GetFieldValue<DateOnly>(i)
                    : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// A table named like the Spark plan's readings view, holding <paramref name="cleaned"/> (the readings kept after
    /// de-duplication, with their partition and offset): the input of <see cref="SparkPlan.QuarterlyAggregatesQuery"/>.
    /// </summary>
    internal static async Task CreateReadingsViewAsync(JobDatabase db, IEnumerable<(int Partition, long Offset, EnergyReading Reading)> cleaned)
    {
        var measures = string.Join(", ", SparkPlan.MeasureFields.Select(f => $"{f} numeric(10,3)"));
        await db.ExecuteAsync($"""
            CREATE TABLE {SparkPlan.ReadingsView} (
              reading_at timestamp NOT NULL, reading_key text NOT NULL, {measures},
              kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, year integer NOT NULL, quarter integer NOT NULL)
            """);
        foreach (var (partition, offset, r) in cleaned)
        {
            await using var insert = db.DataSource.CreateCommand($"""
                INSERT INTO {SparkPlan.ReadingsView} VALUES (@at, @key, @m0, @m1, @m2, @m3, @m4, @m5, @m6, @partition, @offset, @year, @quarter)
                """);
            insert.Parameters.AddWithValue("at", NpgsqlDbType.Timestamp, r.Timestamp);
            insert.Parameters.AddWithValue("key", r.Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            decimal?[] values = [r.GlobalActivePower, r.GlobalReactivePower, r.Voltage, r.GlobalIntensity, r.SubMetering1, r.SubMetering2, r.SubMetering3];
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters.AddWithValue($"m{i}", NpgsqlDbType.Numeric, (object?)values[i] ?? DBNull.Value);
            }

            insert.Parameters.AddWithValue("partition", partition);
            insert.Parameters.AddWithValue("offset", offset);
            insert.Parameters.AddWithValue("year", r.Timestamp.Year);
            insert.Parameters.AddWithValue("quarter", (r.Timestamp.Month + 2) / 3);
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
    }
}
