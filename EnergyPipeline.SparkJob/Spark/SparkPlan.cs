using System.Globalization;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.SparkConnect;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// The Spark engine's plan as Spark SQL, one named statement per step, all run in one Spark Connect session:
/// <list type="number">
/// <item>session settings (UTC, timestamps without zone: the data set's local times stay as they are; the CORRECTED
///   time parser policy, ANSI off and unescaped string literals, the semantics the validity checks rest on);</item>
/// <item>a temporary view over the topic, exactly the snapshot the job captured;</item>
/// <item>the records (key, value bytes, position) cached, so every later statement sees the same snapshot of the
///   topic even if producers are still writing;</item>
/// <item>the snapshot's attributed runs as data (<see cref="CreateIngestionRunsView"/>), and only the records inside
///   one of them kept (<see cref="CreateAttributedView"/>): the rule of <c>Runs.OffsetAttribution</c>, before
///   anything is validated or ranked;</item>
/// <item>validity by the rules of <see cref="ReadingValidity"/> (<see cref="SparkValidity"/>) and de-duplication by
///   key, the highest offset deciding (a key lives in one partition);</item>
/// <item>the counts, per-partition offsets, messages present per run, readings kept per ingestion and the
///   unattributed messages the run reports;</item>
/// <item>the cleaned readings to the run's own directory of the HDFS raw zone as Parquet by year and quarter
///   (<see cref="RawZoneWrite"/>); publishing the run makes that directory the current one;</item>
/// <item>the quarterly aggregates, in DECIMAL, appended through Spark's JDBC writer to the staging table
///   (<see cref="StagingWrite"/>): the password travels in the write's option map, never in SQL text.</item>
/// </list>
/// Configured values enter only through <see cref="SparkPlanInputs"/> (checked) and <see cref="SparkSqlText.Literal"/>.
/// </summary>
public static class SparkPlan
{
    public const string KafkaSourceView = "energy_kafka_source";
    public const string RecordsTable = "energy_records";
    public const string IngestionRunsView = "energy_ingestion_runs";
    public const string AttributedView = "energy_records_attributed";
    public const string CheckedView = "energy_records_checked";
    public const string NewestCopiesView = "energy_records_newest";
    public const string ReadingsView = "energy_readings";

    /// <summary>The staging table in PostgreSQL: the figure columns of quarterly_energy_data (processed_at is set when published).</summary>
    public const string StagingTable = Storage.EnergySchema.StagingTable;

    /// <summary>The measures' SQL type: every accepted value fits it exactly, and sums stay exact.</summary>
    public static readonly string MeasureType = SparkValidity.MeasureType;

    /// <summary>The parse format of the timestamp field, the same text as <see cref="RawEnergyTopic.KeyFormat"/>.</summary>
    public const string TimestampPattern = SparkValidity.TimestampPattern;

    /// <summary>The partition columns of the raw zone.</summary>
    public static readonly IReadOnlyList<string> RawZonePartitionColumns = ["year", "quarter"];

    /// <summary>The seven measures in contract order.</summary>
    public static IReadOnlyList<string> MeasureFields =>
    [
        EnergyReadingJson.GlobalActivePower.Value,
        EnergyReadingJson.GlobalReactivePower.Value,
        EnergyReadingJson.Voltage.Value,
        EnergyReadingJson.GlobalIntensity.Value,
        EnergyReadingJson.SubMetering1.Value,
        EnergyReadingJson.SubMetering2.Value,
        EnergyReadingJson.SubMetering3.Value,
    ];

    /// <summary>
    /// What Spark's UI and event log must not show: from the word "password" to the end of its line, or, when a
    /// <c>value:</c> follows, to the end of that value's line. Spark Connect records each operation's plan as Java
    /// protobuf text, where an option map entry is two lines (<c>key: "password"</c>, then <c>value: "..."</c>);
    /// SQL text and JDBC URLs keep the value on the same line. No backslash: the same text is valid in
    /// spark-defaults.conf (a Java properties file) and in a plain SET statement.
    /// </summary>
    public const string CredentialRedactionPattern = "(?i)password(?s:.*?value:)?.*";

    /// <summary>
    /// The session's string redaction (spark.sql.redaction.string.regex is a session setting, read when Connect
    /// posts an operation's statement text), so an existing Spark without the image's defaults redacts too.
    /// </summary>
    public static readonly SparkSql RedactCredentials = new("set_redaction", $"SET spark.sql.redaction.string.regex={CredentialRedactionPattern}");

    public static readonly SparkSql UseUtc = new("set_time_zone", "SET spark.sql.session.timeZone=UTC");

    /// <summary>
    /// A timestamp the new parser refuses is NULL for try_to_timestamp, never a SparkUpgradeException from the legacy
    /// parser's second opinion (the default policy, EXCEPTION): set per session, so an existing Spark behaves alike.
    /// </summary>
    public static readonly SparkSql UseCorrectedTimeParser = new("set_time_parser_policy", "SET spark.sql.legacy.timeParserPolicy=CORRECTED");

    /// <summary>Spark 4.x turns ANSI mode on by default; the plan is written for (and cites) the non-ANSI semantics of 3.5.</summary>
    public static readonly SparkSql DisableAnsi = new("set_ansi_off", "SET spark.sql.ansi.enabled=false");

    /// <summary>
    /// String literals are unescaped (the default): a server with spark.sql.parser.escapedStringLiterals=true would keep
    /// every backslash of the validity patterns' literals doubled, and every message would be not_a_flat_json_object.
    /// </summary>
    public static readonly SparkSql UnescapeStringLiterals = new("set_string_literals", "SET spark.sql.parser.escapedStringLiterals=false");

    /// <summary>Parsed timestamps are local times without a zone, as in the data set and in PostgreSQL's timestamp columns.</summary>
    public static readonly SparkSql UseTimestampWithoutTimeZone = new("set_timestamp_type", "SET spark.sql.timestampType=TIMESTAMP_NTZ");

    /// <summary>
    /// The topic as a batch over exactly the snapshot the job captured at start: every partition assigned, from its
    /// low watermark to its high watermark (JSON offsets, not earliest/latest, so a message produced during the run
    /// is not read and Spark reads what the completeness check reasons about). failOnDataLoss is true: Spark's
    /// consumer passes over offsets that are still in range but hold no visible record (compaction, transaction
    /// markers) without calling it data loss, and fails only when offsets it must read are gone (containers/spark/README.md).
    /// </summary>
    public static SparkSql CreateKafkaSource(SparkPlanInputs inputs, Kafka.TopicSnapshot snapshot, TimeSpan pollTimeout) => new("create_kafka_source", $"""
        CREATE OR REPLACE TEMPORARY VIEW {KafkaSourceView}
        USING kafka
        OPTIONS (
          'kafka.bootstrap.servers' {SparkSqlText.Literal(inputs.KafkaBootstrapServers)},
          'assign' {SparkSqlText.Literal(snapshot.AssignJson())},
          'startingOffsets' {SparkSqlText.Literal(snapshot.StartingOffsetsJson())},
          'endingOffsets' {SparkSqlText.Literal(snapshot.EndingOffsetsJson())},
          'failOnDataLoss' 'true',
          'kafkaConsumer.pollTimeoutMs' {SparkSqlText.Literal(((long)pollTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture))}
        )
        """);

    /// <summary>Reads the topic once: every later statement works on this cached snapshot.</summary>
    public static readonly SparkSql CacheRecords = new("cache_records", $"""
        CACHE TABLE {RecordsTable} OPTIONS ('storageLevel' 'MEMORY_AND_DISK') AS
        SELECT
          `partition` AS kafka_partition,
          `offset` AS kafka_offset,
          CAST(`key` AS STRING) AS {SparkValidity.KeyColumn},
          `value` AS {SparkValidity.ValueColumn}
        FROM {KafkaSourceView}
        """);

    /// <summary>
    /// Where a record (aliased <c>records</c>) lies in an attributed run (aliased <c>runs</c>): the same partition, the
    /// offset between the run's first and last, both inclusive. The one attribution rule of the plan.
    /// </summary>
    private const string RecordInRun =
        "runs.kafka_partition = records.kafka_partition AND records.kafka_offset BETWEEN runs.first_offset AND runs.last_offset";

    /// <summary>
    /// The snapshot's attributed runs (<c>Runs.OffsetAttribution.Runs</c>) as a small relation: partition, first and
    /// last offset, the ingestion's number and the run's number. Written in SQL that Spark and PostgreSQL share (an
    /// aliased VALUES query: Spark's SqlBaseParser.g4, rules aliasedQuery and inlineTable; without runs, a SELECT
    /// without FROM that yields no row: rule regularQuerySpecification), so the tests run this very text on
    /// PostgreSQL. Every value is a number the job formats itself.
    /// </summary>
    public static SparkSql CreateIngestionRunsView(Runs.OffsetAttribution attribution)
    {
        var runs = attribution.Runs;
        var columns = string.Join(",\n", IngestionRunColumns.Select(c => $"  CAST({(runs.Count == 0 ? "NULL" : c.Name)} AS {c.Type}) AS {c.Name}"));
        var source = runs.Count == 0
            ? "WHERE 1 = 0"
            : "FROM (VALUES\n" + string.Join(",\n", runs.Select((run, index) => string.Create(CultureInfo.InvariantCulture,
                $"  ({run.Partition}, {run.First}, {run.Last}, {run.Ingestion}, {index})"))) +
              $"\n) AS runs({string.Join(", ", IngestionRunColumns.Select(c => c.Name))})";
        return new("create_ingestion_runs_view", $"CREATE OR REPLACE TEMPORARY VIEW {IngestionRunsView} AS\nSELECT\n{columns}\n{source}");
    }

    private static readonly (string Name, string Type)[] IngestionRunColumns =
        [("kafka_partition", "INT"), ("first_offset", "BIGINT"), ("last_offset", "BIGINT"), ("ingestion", "INT"), ("run_index", "INT")];

    /// <summary>
    /// The records of completed ingestions, each with its ingestion's and run's number: the only records validated,
    /// ranked and aggregated. A record in no run (another producer's, an ingestion killed or still running, a tombstone
    /// from anyone) is left out here. Shared SQL, run on PostgreSQL by the tests.
    /// </summary>
    public static readonly SparkSql CreateAttributedView = new("create_attributed_view", $"""
        CREATE OR REPLACE TEMPORARY VIEW {AttributedView} AS
        SELECT records.kafka_partition, records.kafka_offset, records.{SparkValidity.KeyColumn}, records.{SparkValidity.ValueColumn}, runs.ingestion, runs.run_index
        FROM {RecordsTable} AS records
        JOIN {IngestionRunsView} AS runs ON {RecordInRun}
        """);

    /// <summary>
    /// Every attributed record with the reason of the first validity rule it breaks (<c>invalid_reason</c>, NULL when
    /// valid), by the rules of <see cref="ReadingValidity"/> that the local engine applies too (<see cref="SparkValidity"/>).
    /// </summary>
    public static readonly SparkSql CreateCheckedView = new("create_checked_view", $"""
        CREATE OR REPLACE TEMPORARY VIEW {CheckedView} AS
        SELECT
          kafka_partition,
          kafka_offset,
          ingestion,
          {SparkValidity.KeyColumn},
          {SparkValidity.TimestampTextColumn},
        {string.Join(",\n", MeasureFields.Select(field => $"  {SparkValidity.TokenColumn(field)}"))},
          {SparkValidity.InvalidReasonCase("  ")} AS invalid_reason
        FROM (
          SELECT *,
        {string.Join(",\n", SparkValidity.DerivedColumns.Select(column => $"    {column}"))}
          FROM {AttributedView}
        )
        """);

    /// <summary>
    /// The deciding copy of each key among the attributed records: the highest offset, as Kafka's compaction keeps it.
    /// Ranked over every attributed copy, valid or not, so an invalid newest copy (a tombstone too) decides its minute
    /// and no older copy is used; compaction never changes a figure. The same key always goes to the same partition,
    /// so offsets of one key are comparable; the partition only breaks ties. Shared SQL, run on PostgreSQL by the tests.
    /// </summary>
    public static readonly SparkSql CreateNewestCopiesView = new("create_newest_copies_view", $"""
        CREATE OR REPLACE TEMPORARY VIEW {NewestCopiesView} AS
        SELECT *
        FROM (
          SELECT *, ROW_NUMBER() OVER (PARTITION BY {SparkValidity.KeyColumn} ORDER BY kafka_offset DESC, kafka_partition DESC) AS key_rank
          FROM {CheckedView}
          WHERE {SparkValidity.KeyColumn} IS NOT NULL
        ) AS ranked
        WHERE key_rank = 1
        """);

    /// <summary>The cleaned readings, one per minute: the valid deciding copies with their measures and quarter.</summary>
    public static readonly SparkSql CreateReadingsView = new("create_readings_view", $"""
        CREATE OR REPLACE TEMPORARY VIEW {ReadingsView} AS
        SELECT
          reading_at,
          {SparkValidity.KeyColumn},
        {string.Join(",\n", MeasureFields.Select(field => $"  {SparkValidity.MeasureValue(field)} AS {field}"))},
          kafka_partition,
          kafka_offset,
          year(reading_at) AS year,
          quarter(reading_at) AS quarter
        FROM (
          SELECT *, {SparkValidity.ReadingAt(SparkValidity.TimestampTextColumn)} AS reading_at
          FROM {NewestCopiesView}
          WHERE invalid_reason IS NULL
        )
        """);

    /// <summary>Invalid records by reason, with the first few (by partition and offset) of every reason.</summary>
    public static readonly SparkSql QueryInvalidReasons = new("query_invalid_reasons", $"""
        SELECT invalid_reason, messages, kafka_partition, kafka_offset
        FROM (
          SELECT
            invalid_reason,
            kafka_partition,
            kafka_offset,
            COUNT(*) OVER (PARTITION BY invalid_reason) AS messages,
            ROW_NUMBER() OVER (PARTITION BY invalid_reason ORDER BY kafka_partition, kafka_offset) AS sample_rank
          FROM {CheckedView}
          WHERE invalid_reason IS NOT NULL
        )
        WHERE sample_rank <= {InvalidSamplesPerReason}
        ORDER BY invalid_reason, kafka_partition, kafka_offset
        """);

    /// <summary>Samples kept per invalid reason, as the local engine keeps them.</summary>
    public const int InvalidSamplesPerReason = Aggregation.QuarterlyAggregator.DefaultSamplesPerReason;

    /// <summary>The offsets read, per partition.</summary>
    public static readonly SparkSql QueryPartitionOffsets = new("query_partition_offsets", $"""
        SELECT kafka_partition, MIN(kafka_offset) AS min_offset, MAX(kafka_offset) AS max_offset, COUNT(*) AS records
        FROM {RecordsTable}
        GROUP BY kafka_partition
        ORDER BY kafka_partition
        """);

    /// <summary>The readings kept (valid deciding copies) per ingestion number. Shared SQL, run on PostgreSQL by the tests.</summary>
    public static readonly SparkSql QueryWinningCopies = new("query_winning_copies", $"""
        SELECT ingestion, COUNT(*) AS copies
        FROM {NewestCopiesView}
        WHERE invalid_reason IS NULL
        GROUP BY ingestion
        ORDER BY ingestion
        """);

    /// <summary>The attributed records the snapshot holds per run number (a run without any is absent). Shared SQL.</summary>
    public static readonly SparkSql QueryRunPresence = new("query_run_presence", $"""
        SELECT run_index, COUNT(*) AS present
        FROM {AttributedView}
        GROUP BY run_index
        ORDER BY run_index
        """);

    /// <summary>
    /// The records in no attributed run: their count, and the first few by partition and offset with their key. Shared
    /// SQL, run on PostgreSQL by the tests.
    /// </summary>
    public static readonly SparkSql QueryUnattributed = new("query_unattributed", $"""
        SELECT kafka_partition, kafka_offset, {SparkValidity.KeyColumn}, messages
        FROM (
          SELECT records.kafka_partition, records.kafka_offset, records.{SparkValidity.KeyColumn},
            COUNT(*) OVER () AS messages,
            ROW_NUMBER() OVER (ORDER BY records.kafka_partition, records.kafka_offset) AS sample_rank
          FROM {RecordsTable} AS records
          LEFT JOIN {IngestionRunsView} AS runs ON {RecordInRun}
          WHERE runs.run_index IS NULL
        ) AS unattributed
        WHERE sample_rank <= {Runs.UnattributedMessages.DefaultSamples}
        ORDER BY kafka_partition, kafka_offset
        """);

    /// <summary>Readings read, invalid, duplicates dropped (valid records minus distinct keys), readings kept, quarters.</summary>
    public static readonly SparkSql QueryCounts = new("query_counts", $"""
        SELECT
          c.readings_read,
          c.invalid,
          c.valid - r.readings AS duplicates_dropped,
          r.readings,
          r.quarters
        FROM (
          SELECT COUNT(*) AS readings_read, COUNT_IF(invalid_reason IS NOT NULL) AS invalid, COUNT_IF(invalid_reason IS NULL) AS valid
          FROM {CheckedView}
        ) c
        CROSS JOIN (
          SELECT COUNT(*) AS readings, COUNT(DISTINCT year, quarter) AS quarters
          FROM {ReadingsView}
        ) r
        """);

    /// <summary>The raw zone's rows: the cleaned readings with their Kafka position and partition columns.</summary>
    public static readonly SparkSql RawZoneRows = new("write_raw_zone", $"""
        SELECT reading_at, reading_key, {string.Join(", ", MeasureFields)}, kafka_partition, kafka_offset, year, quarter
        FROM {ReadingsView}
        """);

    /// <summary>
    /// The raw zone write: Parquet, partitioned by year and quarter, into the run's own directory
    /// (<see cref="SparkPlanInputs.RunRawZoneUri"/>): a failed run never touches the directory of the published one.
    /// </summary>
    public static SparkWrite RawZoneWrite(SparkPlanInputs inputs, Guid runId) =>
        new(RawZoneRows, "parquet", inputs.RunRawZoneUri(runId), RawZonePartitionColumns);

    /// <summary>
    /// The run's quarterly rows appended to the staging table by Spark's JDBC writer (DataFrameWriter.save with
    /// format jdbc, mode append: the existing table is kept and its columns matched by name). The table must exist:
    /// the job creates the schema first. Credentials are write options, not SQL text.
    /// </summary>
    public static SparkWrite StagingWrite(SparkPlanInputs inputs, Guid runId) =>
        new(InsertQuarterlyAggregates(runId), "jdbc", Path: null, PartitionColumns: [])
        {
            Mode = SparkConnect.Protocol.WriteOperation.Types.SaveMode.Append,
            Options = new Dictionary<string, string>
            {
                ["url"] = inputs.JdbcUrl,
                ["dbtable"] = StagingTable,
                ["user"] = inputs.Username,
                ["password"] = inputs.Password,
                ["driver"] = "org.postgresql.Driver",
            },
        };

    /// <summary>
    /// The quarterly aggregates (docs/contract.md, *quarterly_energy_data*), in the staging table's column order, written in the SQL that Spark
    /// and PostgreSQL share (CASE WHEN, not Spark's IF; an alias on the derived table) so that the tests run this very
    /// text on PostgreSQL over a fixture of cleaned readings and compare it with the local engine column by column.
    /// Decimal types follow Spark 3.5's promotion rules (containers/spark/README.md, "Decimal types of the
    /// aggregation"): sums of DECIMAL(10,3) are DECIMAL(20,3) and exact; energy SUM * 1000 / 60 is DECIMAL(28,6) (integer literals typed by their digits), its
    /// division rounded half-up at the 6th decimal, which cannot move the 3rd (k/60 is never within 1/6000 of a
    /// half-thousandth without being on it), then ROUND(.., 3), half-up, i.e. away from zero, for DECIMAL. Averages:
    /// SUM / CAST(COUNT AS DECIMAL(10,0)) is DECIMAL(31,14), whose rounding at the 14th decimal cannot move the 3rd
    /// either (S/(1000n) is never within 1/(2000n) of a half-thousandth unless exactly on it), then ROUND(.., 3).
    /// Sums over no complete reading are 0; averages and peak over none are NULL. The inner quarter's first day is
    /// named quarter_start so that GROUP BY quarter can only mean the readings' quarter column.
    /// </summary>
    public static string QuarterlyAggregatesQuery(Guid runId) => $"""
        SELECT
          quarter_start AS quarter,
          total_energy_wh,
          record_count,
          reading_count,
          reading_count - record_count AS missing_count,
          sub_metering_1_wh,
          sub_metering_2_wh,
          sub_metering_3_wh,
          total_energy_wh - sub_metering_1_wh - sub_metering_2_wh - sub_metering_3_wh AS unmetered_energy_wh,
          reactive_energy_varh,
          avg_voltage_v,
          avg_global_active_power_kw,
          peak_global_active_power_kw,
          first_reading_at,
          last_reading_at,
          {SparkSqlText.Literal(runId.ToString("D", CultureInfo.InvariantCulture))} AS run_id
        FROM (
          SELECT
            CAST(make_date(year, (quarter - 1) * 3 + 1, 1) AS DATE) AS quarter_start,
            ROUND(COALESCE(SUM(global_active_power), 0) * 1000 / 60, 3) AS total_energy_wh,
            COUNT(global_active_power) AS record_count,
            COUNT(*) AS reading_count,
            COALESCE(SUM(CASE WHEN global_active_power IS NOT NULL THEN sub_metering_1 END), 0) AS sub_metering_1_wh,
            COALESCE(SUM(CASE WHEN global_active_power IS NOT NULL THEN sub_metering_2 END), 0) AS sub_metering_2_wh,
            COALESCE(SUM(CASE WHEN global_active_power IS NOT NULL THEN sub_metering_3 END), 0) AS sub_metering_3_wh,
            ROUND(COALESCE(SUM(CASE WHEN global_active_power IS NOT NULL THEN global_reactive_power END), 0) * 1000 / 60, 3) AS reactive_energy_varh,
            ROUND(SUM(CASE WHEN global_active_power IS NOT NULL THEN voltage END)
              / CAST(NULLIF(COUNT(CASE WHEN global_active_power IS NOT NULL THEN voltage END), 0) AS DECIMAL(10,0)), 3) AS avg_voltage_v,
            ROUND(SUM(global_active_power) / CAST(NULLIF(COUNT(global_active_power), 0) AS DECIMAL(10,0)), 3) AS avg_global_active_power_kw,
            MAX(global_active_power) AS peak_global_active_power_kw,
            MIN(reading_at) AS first_reading_at,
            MAX(reading_at) AS last_reading_at
          FROM {ReadingsView}
          GROUP BY year, quarter
        ) AS per_quarter
        """;

    /// <summary>The quarterly aggregates (<see cref="QuarterlyAggregatesQuery"/>) as the statement <see cref="StagingWrite"/> appends to the staging table.</summary>
    public static SparkSql InsertQuarterlyAggregates(Guid runId) => new("insert_quarterly_staging", QuarterlyAggregatesQuery(runId));

    public static readonly SparkSql UncacheRecords = new("uncache_records", $"UNCACHE TABLE IF EXISTS {RecordsTable}");
}
