using System.Text.Json;
using System.Text.RegularExpressions;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.Storage;
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

    public static TheoryData<string> StatementNames => new(AllStatements().Select(s => s.Name));

    [Fact]
    public void The_from_json_schema_names_exactly_the_fields_the_contract_writes()
    {
        // The field names of a real message value, in order, as the one contract writer produces them.
        var value = EnergyReadingJson.Serialize(new EnergyReading(new DateTime(2006, 12, 16, 17, 24, 0), 4.216m, 0.418m, 234.84m, 18.4m, 0m, 1m, 17m));
        using var json = JsonDocument.Parse(value);
        var written = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();

        var fields = SchemaFieldPattern().Matches(SparkPlan.ReadingSchemaDdl).Select(m => (Name: m.Groups["name"].Value, Type: m.Groups["type"].Value)).ToList();

        Assert.Equal(written, fields.Select(f => f.Name));
        Assert.Equal("STRING", fields[0].Type);
        Assert.All(fields.Skip(1), f => Assert.Equal("DECIMAL(10,3)", f.Type));
        // Nothing in the DDL besides these fields.
        Assert.Equal(string.Join(", ", fields.Select(f => $"`{f.Name}` {f.Type}")), SparkPlan.ReadingSchemaDdl);
    }

    [Fact]
    public void Timestamps_parse_with_the_key_format_of_the_contract()
    {
        // Spark's and .NET's patterns read the same text here: a literal T between date and time.
        Assert.Equal(RawEnergyTopic.KeyFormat, SparkPlan.TimestampPattern);
        Assert.Contains(@"try_to_timestamp(reading.`timestamp`, 'yyyy-MM-dd\'T\'HH:mm:ss')", SparkPlan.CreateCheckedView.Text, StringComparison.Ordinal);
        Assert.Contains(SparkPlan.TimestampPattern, SparkSqlScanner.Split(SparkPlan.CreateCheckedView.Text).Literals);
    }

    [Fact]
    public void The_topic_is_read_whole_as_one_cached_snapshot_parsed_against_the_schema()
    {
        var source = SparkPlan.CreateKafkaSource(Inputs).Text;
        Assert.Contains("USING kafka", source, StringComparison.Ordinal);
        Assert.Contains("'kafka.bootstrap.servers' 'kafka:29092'", source, StringComparison.Ordinal);
        Assert.Contains("'subscribe' 'raw_energy'", source, StringComparison.Ordinal);
        Assert.Contains("'startingOffsets' 'earliest'", source, StringComparison.Ordinal);
        Assert.Contains("'endingOffsets' 'latest'", source, StringComparison.Ordinal);
        Assert.Contains("'failOnDataLoss' 'false'", source, StringComparison.Ordinal);

        var cache = SparkPlan.CacheRecords.Text;
        Assert.StartsWith($"CACHE TABLE {SparkPlan.RecordsTable}", cache, StringComparison.Ordinal);
        Assert.Contains($"from_json(CAST(`value` AS STRING), {SparkSqlText.Literal(SparkPlan.ReadingSchemaDdl)})", cache, StringComparison.Ordinal);
        Assert.Contains($"FROM {SparkPlan.KafkaSourceView}", cache, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_is_valid_under_the_local_engine_rules_key_equal_to_a_whole_minute_timestamp()
    {
        var checkedView = SparkPlan.CreateCheckedView.Text;

        Assert.Contains("AND reading_key = reading.`timestamp`", checkedView, StringComparison.Ordinal);
        Assert.Contains($"try_to_timestamp(reading.`timestamp`, {SparkSqlText.Literal("yyyy-MM-dd'T'HH:mm:ss")}) AS reading_at", checkedView, StringComparison.Ordinal);
        Assert.Contains("AND reading_at IS NOT NULL", checkedView, StringComparison.Ordinal);
        Assert.Contains("AND second(reading_at) = 0", checkedView, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicates_are_dropped_by_key_keeping_the_highest_offset_among_valid_records()
    {
        var readings = Normalize(SparkPlan.CreateReadingsView.Text);

        // The partition breaks ties at equal offsets (copies of a key in two partitions), as in the local engine.
        Assert.Contains("ROW_NUMBER() OVER (PARTITION BY reading_key ORDER BY kafka_offset DESC, kafka_partition DESC) AS key_rank", readings, StringComparison.Ordinal);
        Assert.Contains($"FROM {SparkPlan.CheckedView} WHERE is_valid", readings, StringComparison.Ordinal);
        Assert.EndsWith("WHERE key_rank = 1", readings, StringComparison.Ordinal);

        var checkedView = Normalize(SparkPlan.CreateCheckedView.Text);
        Assert.Contains("(reading_key IS NOT NULL AND reading IS NOT NULL AND reading_at IS NOT NULL", checkedView, StringComparison.Ordinal);
    }

    [Fact]
    public void The_staging_insert_lists_the_figure_columns_in_order()
    {
        Assert.Equal(EnergySchema.FigureColumns, StagingInsertColumns(Guid.Parse("11111111-2222-3333-4444-555555555555"), out var insert));
        Assert.StartsWith($"INSERT INTO {SparkPlan.StagingView}", insert, StringComparison.Ordinal);
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
        Assert.DoesNotContain("OR (", code, StringComparison.Ordinal);
        if (name == "create_staging_view")
        {
            Assert.Contains(HostilePassword, literals);
            Assert.Contains("jdbc:postgresql://postgres:5432/energy_db?stringtype=unspecified", literals);
        }
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
        var write = SparkPlan.RawZoneWrite(Inputs);

        Assert.Equal("hdfs://namenode:8020/raw/energy_readings", write.Path);
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
        SparkPlan.UseUtc, SparkPlan.UseTimestampWithoutTimeZone, SparkPlan.CreateKafkaSource(Inputs), SparkPlan.CacheRecords,
        SparkPlan.CreateCheckedView, SparkPlan.CreateReadingsView, SparkPlan.QueryPartitionOffsets, SparkPlan.QueryCounts, SparkPlan.QueryTraceParents,
        SparkPlan.RawZoneRows, SparkPlan.CreateStagingView(Inputs), SparkPlan.InsertQuarterlyAggregates(Guid.NewGuid()), SparkPlan.UncacheRecords,
    ];

    private static string Normalize(string sql) => WhitespacePattern().Replace(sql, " ").Trim();

    [GeneratedRegex(@"`(?<name>[a-z_0-9]+)` (?<type>STRING|DECIMAL\(\d+,\d+\))")]
    private static partial Regex SchemaFieldPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
