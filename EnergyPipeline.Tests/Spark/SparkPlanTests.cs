using System.Text.RegularExpressions;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.Spark;

public sealed partial class SparkPlanTests
{
    private const string HostilePassword = @"Zq9hostile'mark\er' ) OR ('1'='1";

    private static readonly SparkEngineOptions Options = new()
    {
        SparkConnectionString = "sc://spark:15002",
        KafkaBootstrapServers = "kafka:29092",
        PostgresAddress = "postgres:5432",
        Database = "energy_db",
        Username = "postgres",
        Password = HostilePassword,
        HdfsUri = "hdfs://namenode:8020",
    };

    private static readonly SparkPlanInputs Inputs = SparkPlanInputs.From(Options);

    private static readonly EnergyPipeline.SparkJob.Kafka.TopicSnapshot Snapshot = new("raw_energy",
        [new EnergyPipeline.SparkJob.Runs.PartitionRead(0, 0, 120, 0), new EnergyPipeline.SparkJob.Runs.PartitionRead(1, 7, 64, 0)],
        [
            new IngestionCompletion("run-1", "sha", 10, null, null, [new PartitionOffsetRuns(1, [new OffsetRun(50, 53), new OffsetRun(58, 63)])], null, DateTimeOffset.UnixEpoch),
            new IngestionCompletion("run-2", "sha", 3_000_000_000, null, null, [new PartitionOffsetRuns(0, [new OffsetRun(0, 2_999_999_999)])], null, DateTimeOffset.UnixEpoch),
        ]);

    [Fact]
    public void The_runs_relation_lists_the_snapshot_s_attributed_runs_with_their_numbers_as_typed_values()
    {
        var view = SparkPlan.CreateIngestionRunsView(Snapshot.Attribution).Text;

        Assert.StartsWith($"CREATE OR REPLACE TEMPORARY VIEW {SparkPlan.IngestionRunsView} AS", view, StringComparison.Ordinal);
        // Partition, first, last, ingestion number, run number: in the order of OffsetAttribution.Runs.
        Assert.Contains("  (0, 0, 2999999999, 1, 0),\n  (1, 50, 53, 0, 1),\n  (1, 58, 63, 0, 2)\n) AS runs(kafka_partition, first_offset, last_offset, ingestion, run_index)",
            view, StringComparison.Ordinal);
        Assert.Contains("CAST(first_offset AS BIGINT) AS first_offset", view, StringComparison.Ordinal);
        Assert.Empty(SparkSqlScanner.Split(view).Literals);

        var none = SparkPlan.CreateIngestionRunsView(EnergyPipeline.SparkJob.Runs.OffsetAttribution.None).Text;
        Assert.Contains("CAST(NULL AS BIGINT) AS last_offset", none, StringComparison.Ordinal);
        Assert.EndsWith("WHERE 1 = 0", none, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_records_inside_an_attributed_run_are_validated_and_ranked()
    {
        var attributed = Normalize(SparkPlan.CreateAttributedView.Text);
        Assert.Contains($"FROM {SparkPlan.RecordsTable} AS records JOIN {SparkPlan.IngestionRunsView} AS runs ON runs.kafka_partition = records.kafka_partition " +
            "AND records.kafka_offset BETWEEN runs.first_offset AND runs.last_offset", attributed, StringComparison.Ordinal);
        Assert.Contains($"FROM {SparkPlan.AttributedView} )", Normalize(SparkPlan.CreateCheckedView.Text), StringComparison.Ordinal);
        Assert.Contains($"FROM {SparkPlan.CheckedView} WHERE", Normalize(SparkPlan.CreateNewestCopiesView.Text), StringComparison.Ordinal);
        Assert.Contains($"FROM {SparkPlan.NewestCopiesView} WHERE invalid_reason IS NULL", Normalize(SparkPlan.CreateReadingsView.Text), StringComparison.Ordinal);
        // The cached records hold every message: what is attributed is decided by the runs alone, never by a header.
        Assert.DoesNotContain("headers", SparkPlan.CacheRecords.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("includeHeaders", SparkPlan.CreateKafkaSource(Inputs, Snapshot, TimeSpan.FromSeconds(60)).Text, StringComparison.Ordinal);
    }

    public static TheoryData<string> StatementNames => new(AllStatements().Select(s => s.Name));

    [Fact]
    public void The_session_uses_the_corrected_time_parser_non_ansi_semantics_and_unescaped_string_literals()
    {
        Assert.Equal("SET spark.sql.legacy.timeParserPolicy=CORRECTED", SparkPlan.UseCorrectedTimeParser.Text);
        Assert.Equal("SET spark.sql.ansi.enabled=false", SparkPlan.DisableAnsi.Text);
        // With escapedStringLiterals=true Spark would keep every backslash of the regex literals doubled.
        Assert.Equal("SET spark.sql.parser.escapedStringLiterals=false", SparkPlan.UnescapeStringLiterals.Text);
        var defaults = SparkImageDefaults.Read();
        Assert.Equal("CORRECTED", defaults["spark.sql.legacy.timeParserPolicy"]);
        Assert.Equal("false", defaults["spark.sql.ansi.enabled"]);
        Assert.Equal("false", defaults["spark.sql.parser.escapedStringLiterals"]);
    }

    [Fact]
    public void Timestamps_parse_with_the_key_format_of_the_contract()
    {
        // Spark's and .NET's patterns read the same text here: a literal T between date and time.
        Assert.Equal(RawEnergyTopic.KeyFormat, SparkPlan.TimestampPattern);
        Assert.Contains(SparkPlan.TimestampPattern, SparkSqlScanner.Split(SparkPlan.CreateCheckedView.Text).Literals);
        Assert.Contains($"try_to_timestamp(timestamp_text, {SparkSqlText.Literal(SparkPlan.TimestampPattern)}) AS reading_at", SparkPlan.CreateReadingsView.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_topic_is_read_whole_as_one_cached_snapshot_of_keys_and_value_bytes()
    {
        var source = SparkPlan.CreateKafkaSource(Inputs, Snapshot, TimeSpan.FromSeconds(60)).Text;
        Assert.Contains("USING kafka", source, StringComparison.Ordinal);
        Assert.Contains("'kafka.bootstrap.servers' 'kafka:29092'", source, StringComparison.Ordinal);
        // Exactly the snapshot captured at start, never 'latest': the JSON Spark's Kafka source documents.
        Assert.Contains("""'assign' '{"raw_energy":[0,1]}'""", source, StringComparison.Ordinal);
        Assert.Contains("""'startingOffsets' '{"raw_energy":{"0":0,"1":7}}'""", source, StringComparison.Ordinal);
        Assert.Contains("""'endingOffsets' '{"raw_energy":{"0":120,"1":64}}'""", source, StringComparison.Ordinal);
        Assert.DoesNotContain("latest", source, StringComparison.Ordinal);
        Assert.Contains("'failOnDataLoss' 'true'", source, StringComparison.Ordinal);
        Assert.Contains("'kafkaConsumer.pollTimeoutMs' '60000'", source, StringComparison.Ordinal);

        var cache = SparkPlan.CacheRecords.Text;
        Assert.StartsWith($"CACHE TABLE {SparkPlan.RecordsTable}", cache, StringComparison.Ordinal);
        Assert.Contains("CAST(`key` AS STRING) AS reading_key", cache, StringComparison.Ordinal);
        Assert.Contains("`value` AS reading_value", cache, StringComparison.Ordinal);
        Assert.Contains($"FROM {SparkPlan.KafkaSourceView}", cache, StringComparison.Ordinal);
    }

    [Fact]
    public void No_statement_parses_values_with_from_json()
    {
        // from_json rounds DECIMAL to scale, reads "1" as a number and keeps partial records (containers/spark/README.md).
        Assert.All(AllStatements(), s => Assert.DoesNotContain("from_json", s.Text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_checked_view_names_the_first_broken_rule_in_the_order_of_the_definition()
    {
        var checkedView = SparkPlan.CreateCheckedView.Text;
        var reasons = SparkCheckedView.WhenThenReasons(checkedView);

        Assert.Equal(ReadingValidity.Rules.Select(r => r.Reason), reasons);
        Assert.Contains("END AS invalid_reason", checkedView, StringComparison.Ordinal);
        // The size limit and the UTF-8 check come before the first pattern of the CASE (Java's regex recursion is
        // bounded by the value's size), and the repeated-group pattern is nowhere outside the CASE.
        var caseText = checkedView[checkedView.IndexOf("CASE", StringComparison.Ordinal)..];
        Assert.True(caseText.IndexOf($"octet_length(reading_value) > {ReadingValidity.MaxValueBytes}", StringComparison.Ordinal) < caseText.IndexOf("RLIKE", StringComparison.Ordinal));
        Assert.True(caseText.IndexOf("decode(reading_value, 'UTF-8')", StringComparison.Ordinal) < caseText.IndexOf("RLIKE", StringComparison.Ordinal));
        var flat = SparkSqlText.Literal(ReadingValidity.FlatObjectPattern);
        Assert.Equal(checkedView.IndexOf(flat, StringComparison.Ordinal), checkedView.LastIndexOf(flat, StringComparison.Ordinal));
        Assert.True(checkedView.IndexOf(flat, StringComparison.Ordinal) > checkedView.IndexOf("CASE", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicates_are_dropped_by_key_the_newest_copy_deciding_whatever_its_verdict()
    {
        var newest = Normalize(SparkPlan.CreateNewestCopiesView.Text);

        Assert.Contains("ROW_NUMBER() OVER (PARTITION BY reading_key ORDER BY kafka_offset DESC, kafka_partition DESC) AS key_rank", newest, StringComparison.Ordinal);
        // Ranked among all attributed copies, valid or not, and only then filtered: an invalid newest copy leaves the minute out.
        Assert.Contains($"FROM {SparkPlan.CheckedView} WHERE reading_key IS NOT NULL ) AS ranked WHERE key_rank = 1", newest, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid_reason", newest, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_records_are_counted_by_reason_with_samples()
    {
        var query = Normalize(SparkPlan.QueryInvalidReasons.Text);

        Assert.Contains("COUNT(*) OVER (PARTITION BY invalid_reason) AS messages", query, StringComparison.Ordinal);
        Assert.Contains($"WHERE sample_rank <= {EnergyPipeline.SparkJob.Aggregation.QuarterlyAggregator.DefaultSamplesPerReason}", query, StringComparison.Ordinal);
        Assert.Contains("COUNT_IF(invalid_reason IS NOT NULL) AS invalid", Normalize(SparkPlan.QueryCounts.Text), StringComparison.Ordinal);
    }

    [Fact]
    public void The_staging_insert_lists_the_figure_columns_in_order()
    {
        Assert.Equal(EnergySchema.FigureColumns, StagingInsertColumns(Guid.Parse("11111111-2222-3333-4444-555555555555"), out var insert));
        Assert.StartsWith("SELECT", insert, StringComparison.Ordinal);
        Assert.Contains("'11111111-2222-3333-4444-555555555555' AS run_id", insert, StringComparison.Ordinal);
    }

    /// <summary>The column names of the staging insert's outer SELECT, in order.</summary>
    internal static List<string> StagingInsertColumns(Guid runId, out string insert)
    {
        insert = SparkPlan.InsertQuarterlyAggregates(runId).Text;
        var outerSelect = insert[(insert.IndexOf("SELECT", StringComparison.Ordinal) + 6)..insert.IndexOf("FROM (", StringComparison.Ordinal)];
        return outerSelect.Split(",\n").Select(c => c.Trim().Split(' ').Last()).ToList();
    }

    [Fact]
    public void Aggregates_stay_in_decimal_and_round_half_up_to_three_decimals_only_at_the_end()
    {
        var insert = Normalize(SparkPlan.InsertQuarterlyAggregates(Guid.Empty).Text);

        Assert.Contains("ROUND(COALESCE(SUM(global_active_power), 0) * 1000 / 60, 3) AS total_energy_wh", insert, StringComparison.Ordinal);
        Assert.Contains("COUNT(global_active_power) AS record_count", insert, StringComparison.Ordinal);
        Assert.Contains("ROUND(SUM(global_active_power) / CAST(NULLIF(COUNT(global_active_power), 0) AS DECIMAL(10,0)), 3) AS avg_global_active_power_kw", insert, StringComparison.Ordinal);
        Assert.Contains("MAX(global_active_power) AS peak_global_active_power_kw", insert, StringComparison.Ordinal);
        Assert.DoesNotContain("DOUBLE", insert, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("FLOAT", insert, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AVG(", insert, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(StatementNames))]
    public void No_statement_carries_a_configured_value_outside_a_literal(string name)
    {
        var statement = AllStatements().Single(s => s.Name == name);

        var (code, literals) = SparkSqlScanner.Split(statement.Text);

        Assert.DoesNotContain("Zq9", code, StringComparison.Ordinal);
        Assert.DoesNotContain("mark", code, StringComparison.Ordinal);
        Assert.DoesNotContain("'1'='1", code, StringComparison.Ordinal);
        Assert.DoesNotContain(HostilePassword, literals);
    }

    [Fact]
    public void The_staging_rows_go_through_spark_s_jdbc_writer_appending_with_credentials_as_options()
    {
        var runId = Guid.NewGuid();
        var write = SparkPlan.StagingWrite(Inputs, runId);
        var operation = SparkConnectSession.WritePlan(write).Command.WriteOperation;

        Assert.Equal("jdbc", operation.Source);
        Assert.Equal(EnergyPipeline.SparkJob.SparkConnect.Protocol.WriteOperation.SaveTypeOneofCase.None, operation.SaveTypeCase);
        Assert.Equal(EnergyPipeline.SparkJob.SparkConnect.Protocol.WriteOperation.Types.SaveMode.Append, operation.Mode);
        Assert.Equal(SparkPlan.InsertQuarterlyAggregates(runId).Text, operation.Input.Sql.Query);
        Assert.Equal("jdbc:postgresql://postgres:5432/energy_db?stringtype=unspecified", operation.Options["url"]);
        Assert.Equal(EnergySchema.StagingTable, operation.Options["dbtable"]);
        Assert.Equal("postgres", operation.Options["user"]);
        Assert.Equal(HostilePassword, operation.Options["password"]);
        Assert.Equal("org.postgresql.Driver", operation.Options["driver"]);
        Assert.DoesNotContain(HostilePassword, write.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The forms in which a password can reach Spark's statement text: Java protobuf text of a write's option map
    /// (what Spark Connect records for the UI; key and value on two lines), SQL literals and JDBC URL parameters.
    /// </summary>
    [Theory]
    [InlineData("options {\n    key: \"password\"\n    value: \"PW\"\n  }\n  options {\n    key: \"url\"")]
    [InlineData("  options {\n    key: \"PASSWORD\"\n    value: \"x PW y\"\n  }")]
    [InlineData("'user' 'postgres',\n  'password' 'PW',\n  'driver' 'org.postgresql.Driver'")]
    [InlineData("jdbc:postgresql://postgres:5432/energy_db?user=postgres&password=PW&ssl=true")]
    public void The_redaction_pattern_hides_the_password_in_every_form_spark_prints(string statement)
    {
        var text = statement.Replace("PW", HostilePassword, StringComparison.Ordinal);

        // Spark's Utils.redact replaces each match of the pattern (java.util.regex: same constructs here).
        var redacted = System.Text.RegularExpressions.Regex.Replace(text, SparkPlan.CredentialRedactionPattern, "*********(redacted)");

        Assert.DoesNotContain("Zq9", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("mark", redacted, StringComparison.Ordinal);
        Assert.Contains("(redacted)", redacted, StringComparison.Ordinal);
        var kept = text.IndexOf("password", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(text[..kept], redacted[..kept]);
    }

    [Fact]
    public void The_image_defaults_and_the_session_redact_with_the_same_pattern()
    {
        var defaults = SparkImageDefaults.Read();

        Assert.Equal(SparkPlan.CredentialRedactionPattern, defaults["spark.sql.redaction.string.regex"]);
        Assert.DoesNotContain('\\', SparkPlan.CredentialRedactionPattern);
        Assert.Equal($"SET spark.sql.redaction.string.regex={SparkPlan.CredentialRedactionPattern}", SparkPlan.RedactCredentials.Text);
    }

    [Fact]
    public void Hostile_configuration_never_reaches_the_plan()
    {
        Assert.Throws<ArgumentException>(() => SparkPlanInputs.From(Options with { KafkaBootstrapServers = "kafka:29092' ) --" }));
        Assert.Throws<ArgumentException>(() => SparkPlanInputs.From(Options with { Topic = "raw_energy', 'assign' '{}" }));
        Assert.Throws<ArgumentException>(() => SparkPlanInputs.From(Options with { PostgresAddress = "postgres:5432/x?socketFactory=evil" }));
        Assert.Throws<ArgumentException>(() => SparkPlanInputs.From(Options with { Database = "energy_db?user=admin" }));
        Assert.Throws<ArgumentException>(() => SparkPlanInputs.From(Options with { Username = "x' OR '1'='1" }));
        Assert.Throws<ArgumentException>(() => SparkPlanInputs.From(Options with { HdfsUri = "hdfs://namenode:8020/x' OR '1'='1" }));
        Assert.Throws<ArgumentException>(() => SparkPlanInputs.From(Options with { RawZonePath = "/" }));
    }

    [Fact]
    public void The_raw_zone_is_parquet_by_year_and_quarter_replaced_under_the_hdfs_uri()
    {
        var runId = Guid.Parse("0b9e9a52-3f1c-4c1e-9d55-7c0d6a4e2f10");
        var write = SparkPlan.RawZoneWrite(Inputs, runId);

        Assert.Equal("hdfs://namenode:8020/raw/energy_readings/run_id=0b9e9a52-3f1c-4c1e-9d55-7c0d6a4e2f10", write.Path);
        Assert.NotEqual(write.Path, SparkPlan.RawZoneWrite(Inputs, Guid.NewGuid()).Path);
        Assert.Equal("parquet", write.Format);
        Assert.Equal(["year", "quarter"], write.PartitionColumns);
        Assert.Equal(WriteModeOverwrite, SparkConnectSession.WritePlan(write).Command.WriteOperation.Mode);
        foreach (var column in new[] { "reading_at", "reading_key", "global_active_power", "sub_metering_3", "kafka_partition", "kafka_offset", "year", "quarter" })
        {
            Assert.Contains(column, write.Query.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_are_read_from_the_job_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:spark"] = "sc://localhost:15002",
            ["ConnectionStrings:hdfs"] = "hdfs://namenode:8020",
            ["ConnectionStrings:energy_db"] = "Host=localhost;Port=54321;Username=postgres;Password=pw;Database=energy_db",
            ["Pipeline:Spark:KafkaBootstrapServers"] = "kafka:29092",
            ["Pipeline:Spark:PostgresAddress"] = "postgres:5432",
        }).Build();

        var options = SparkEngineOptions.FromConfiguration(configuration);

        Assert.Equal(("postgres:5432", "energy_db", "postgres", "pw"), (options.PostgresAddress, options.Database, options.Username, options.Password));
        Assert.Equal("kafka:29092", options.KafkaBootstrapServers);
        Assert.DoesNotContain("pw", options.ToString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(4), options.MaxStatementDuration);
        configuration["Pipeline:Spark:MaxStatementDuration"] = "90";
        Assert.Equal(TimeSpan.FromSeconds(90), SparkEngineOptions.FromConfiguration(configuration).MaxStatementDuration);
        configuration["Pipeline:Spark:MaxStatementDuration"] = "08:00:00";
        Assert.Equal(TimeSpan.FromHours(8), SparkEngineOptions.FromConfiguration(configuration).MaxStatementDuration);

        configuration["Pipeline:Spark:PostgresAddress"] = null;
        Assert.Equal("localhost:54321", SparkEngineOptions.FromConfiguration(configuration).PostgresAddress);
        configuration["ConnectionStrings:spark"] = null;
        var missing = Assert.Throws<InvalidOperationException>(() => SparkEngineOptions.FromConfiguration(configuration));
        Assert.Contains("ConnectionStrings:spark", missing.Message, StringComparison.Ordinal);
    }

    private static EnergyPipeline.SparkJob.SparkConnect.Protocol.WriteOperation.Types.SaveMode WriteModeOverwrite =>
        EnergyPipeline.SparkJob.SparkConnect.Protocol.WriteOperation.Types.SaveMode.Overwrite;

    private static IEnumerable<SparkSql> AllStatements() =>
    [
        SparkPlan.RedactCredentials, SparkPlan.UseUtc, SparkPlan.UseTimestampWithoutTimeZone, SparkPlan.UseCorrectedTimeParser, SparkPlan.DisableAnsi, SparkPlan.UnescapeStringLiterals,
        SparkPlan.CreateKafkaSource(Inputs, Snapshot, TimeSpan.FromSeconds(60)), SparkPlan.CacheRecords,
        SparkPlan.CreateIngestionRunsView(Snapshot.Attribution), SparkPlan.CreateAttributedView, SparkPlan.CreateCheckedView,
        SparkPlan.CreateNewestCopiesView, SparkPlan.CreateReadingsView, SparkPlan.QueryPartitionOffsets, SparkPlan.QueryCounts,
        SparkPlan.QueryInvalidReasons, SparkPlan.QueryWinningCopies, SparkPlan.QueryRunPresence, SparkPlan.QueryUnattributed,
        SparkPlan.RawZoneRows, SparkPlan.InsertQuarterlyAggregates(Guid.NewGuid()), SparkPlan.UncacheRecords,
    ];

    private static string Normalize(string sql) => WhitespacePattern().Replace(sql, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
