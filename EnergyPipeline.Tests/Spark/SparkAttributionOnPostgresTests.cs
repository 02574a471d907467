using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;
using Npgsql;
using NpgsqlTypes;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// The Spark plan's attribution, executed: the runs relation, the attributed view, the newest-copy ranking and the
/// evidence queries are written in the SQL Spark and PostgreSQL share, so their exact text runs here on PostgreSQL
/// over a table of records named like the cached Spark table. The checked view in between is Spark's own functions:
/// its <c>invalid_reason</c> is evaluated for each attributed record from the plan's text by <see cref="SparkCheckedView"/>.
/// The fixture has foreign messages between, just after and newer than an ingestion's copies: if the plan ranked
/// before filtering by the runs, they would decide minutes.
/// </summary>
public sealed class SparkAttributionOnPostgresTests(PostgresServerFixture server)
{
    private static readonly DateTime M = new(2008, 2, 1, 0, 0, 0);

    private static DateTime Minute(int i) => M.AddMinutes(i);

    /// <summary>A record holding a valid reading of minute <paramref name="minute"/>.</summary>
    private static (int Partition, long Offset, byte[]? Key, byte[]? Value) Reading(int partition, long offset, int minute, decimal power) =>
        (partition, offset, Key(Minute(minute)), Value(Complete(Minute(minute), power)));

    /// <summary>Every record of the topic: (partition, offset, key, value); a and b are the two completed ingestions.</summary>
    private static readonly (int Partition, long Offset, byte[]? Key, byte[]? Value)[] Records =
    [
        // a: partition 0 offsets 0-4 and 6-7, partition 1 offsets 0-2.
        Reading(0, 0, 0, 1.000m), Reading(0, 1, 1, 1.001m), Reading(0, 2, 2, 1.002m), Reading(0, 3, 3, 1.003m), Reading(0, 4, 4, 1.004m),
        // Another producer, between two of a's batches: a newer copy of minute 1.
        Reading(0, 5, 1, 9.999m),
        Reading(0, 6, 8, 1.008m), Reading(0, 7, 9, 1.009m),
        Reading(1, 0, 5, 1.005m), Reading(1, 1, 6, 1.006m), Reading(1, 2, 7, 1.007m),
        // b: a newer valid copy of minute 2, an invalid newest copy of minute 3, a newer copy of minute 5.
        Reading(0, 8, 2, 2.002m), (0, 9, Key(Minute(3)), "{}"u8.ToArray()), Reading(1, 3, 5, 2.005m),
        // Other producers again: a tombstone for minute 6, a message without a key, a minute of its own.
        (1, 4, Key(Minute(6)), null), (1, 5, null, Value(Complete(Minute(0), 3m))), Reading(2, 0, 100, 3m),
    ];

    private static readonly IngestionCompletion A = Completion("a", (0, [(0, 4), (6, 7)]), (1, [(0, 2)]));
    private static readonly IngestionCompletion B = Completion("b", (0, [(8, 9)]), (1, [(3, 3)]));

    [Fact]
    public async Task Copies_are_ranked_only_among_records_of_the_runs_so_foreign_newer_copies_decide_nothing()
    {
        var attribution = OffsetAttribution.From([A, B]);
        await using var db = await JobDatabase.CreateAsync(server, "spark_attribution");
        await using var connection = await PlanOnPostgresAsync(db, attribution);

        var newest = await RowsAsync(connection, $"SELECT reading_key, kafka_partition, kafka_offset, ingestion, invalid_reason IS NULL FROM {SparkPlan.NewestCopiesView} ORDER BY reading_key");

        // Worked out by hand: per minute the highest offset among a's and b's copies; b's invalid copy decides minute 3.
        string[] expected =
        [
            Row(0, 0, 0, 0, true), Row(1, 0, 1, 0, true), Row(2, 0, 8, 1, true), Row(3, 0, 9, 1, false), Row(4, 0, 4, 0, true),
            Row(5, 1, 3, 1, true), Row(6, 1, 1, 0, true), Row(7, 1, 2, 0, true), Row(8, 0, 6, 0, true), Row(9, 0, 7, 0, true),
        ];
        Assert.Equal(expected, newest);
        Assert.Equal(["0|7", "1|2"], await RowsAsync(connection, SparkPlan.QueryWinningCopies.Text));
    }

    [Fact]
    public async Task The_evidence_queries_count_each_run_s_records_and_name_the_unattributed_ones()
    {
        var attribution = OffsetAttribution.From([A, B]);
        await using var db = await JobDatabase.CreateAsync(server, "spark_evidence");
        await using var connection = await PlanOnPostgresAsync(db, attribution);

        // Runs by partition and offset: a 0-4, a 6-7, b 8-9 (partition 0), a 0-2, b 3 (partition 1).
        Assert.Equal(["0|5", "1|2", "2|2", "3|3", "4|1"], await RowsAsync(connection, SparkPlan.QueryRunPresence.Text));
        Assert.Equal(
            ["0|5|" + RawEnergyTopic.FormatKey(Minute(1)) + "|4", "1|4|" + RawEnergyTopic.FormatKey(Minute(6)) + "|4", "1|5|null|4", "2|0|" + RawEnergyTopic.FormatKey(Minute(100)) + "|4"],
            await RowsAsync(connection, SparkPlan.QueryUnattributed.Text));
    }

    [Fact]
    public async Task Without_completion_records_no_record_is_attributed()
    {
        await using var db = await JobDatabase.CreateAsync(server, "spark_none");
        await using var connection = await PlanOnPostgresAsync(db, OffsetAttribution.None);

        Assert.Equal(["0"], await RowsAsync(connection, $"SELECT count(*) FROM {SparkPlan.AttributedView}"));
        var unattributed = await RowsAsync(connection, SparkPlan.QueryUnattributed.Text);
        Assert.Equal(UnattributedMessages.DefaultSamples, unattributed.Count);
        Assert.All(unattributed, row => Assert.EndsWith($"|{Records.Length}", row, StringComparison.Ordinal));
    }

    private static string Row(int minute, int partition, long offset, int ingestion, bool valid) =>
        $"{RawEnergyTopic.FormatKey(Minute(minute))}|{partition}|{offset}|{ingestion}|{valid}";

    /// <summary>
    /// On one connection (temporary views live in the session): the records as the cached Spark table, then the plan's
    /// runs relation and attributed view, the checked view's verdict per attributed record, and the newest-copy view.
    /// </summary>
    private static async Task<NpgsqlConnection> PlanOnPostgresAsync(JobDatabase db, OffsetAttribution attribution)
    {
        var connection = await db.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await ExecuteAsync(connection, $"CREATE TEMPORARY TABLE {SparkPlan.RecordsTable} (kafka_partition integer, kafka_offset bigint, reading_key text, reading_value bytea)");
        foreach (var (partition, offset, key, value) in Records)
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO {SparkPlan.RecordsTable} VALUES (@partition, @offset, @key, @value)", connection);
            insert.Parameters.AddWithValue("partition", partition);
            insert.Parameters.AddWithValue("offset", offset);
            insert.Parameters.AddWithValue("key", NpgsqlDbType.Text, key is null ? DBNull.Value : System.Text.Encoding.UTF8.GetString(key));
            insert.Parameters.AddWithValue("value", NpgsqlDbType.Bytea, (object?)value ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await ExecuteAsync(connection, SparkPlan.CreateIngestionRunsView(attribution).Text);
        await ExecuteAsync(connection, SparkPlan.CreateAttributedView.Text);

        // The checked view's columns the later statements read, with the verdict of the plan's own CASE.
        await ExecuteAsync(connection, $"CREATE TEMPORARY TABLE {SparkPlan.CheckedView} AS SELECT *, CAST(NULL AS text) AS invalid_reason FROM {SparkPlan.AttributedView}");
        var checkedView = SparkPlan.CreateCheckedView.Text;
        foreach (var (partition, offset, key, value) in Records)
        {
            await using var verdict = new NpgsqlCommand($"UPDATE {SparkPlan.CheckedView} SET invalid_reason = @reason WHERE kafka_partition = @partition AND kafka_offset = @offset", connection);
            verdict.Parameters.AddWithValue("reason", NpgsqlDbType.Text, (object?)SparkCheckedView.InvalidReason(checkedView, key, value) ?? DBNull.Value);
            verdict.Parameters.AddWithValue("partition", partition);
            verdict.Parameters.AddWithValue("offset", offset);
            await verdict.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await ExecuteAsync(connection, SparkPlan.CreateNewestCopiesView.Text);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Each row as its values' text joined by '|', NULL as "null".</summary>
    private static async Task<List<string>> RowsAsync(NpgsqlConnection connection, string sql)
    {
        var rows = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }
}
