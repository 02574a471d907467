using System.Globalization;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.SparkConnect;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// The Spark engine's plan as Spark SQL, one named statement per step, all run in one Spark Connect session:
/// <list type="number">
/// <item>session settings (UTC, timestamps without zone: the data set's local times stay as they are);</item>
/// <item>a temporary view over the whole topic, earliest to latest;</item>
/// <item>the records parsed once with from_json against the message contract and cached, so every later
///   statement sees the same snapshot of the topic even if producers are still writing;</item>
/// <item>validity and de-duplication by key, the highest offset winning (a key lives in one partition);</item>
/// <item>the counts and per-partition offsets the run reports;</item>
/// <item>the cleaned readings to the HDFS raw zone as Parquet by year and quarter (<see cref="RawZoneWrite"/>);</item>
/// <item>the quarterly aggregates, in DECIMAL, appended through a JDBC view to the staging table.</item>
/// </list>
/// Configured values enter only through <see cref="SparkPlanInputs"/> (checked) and <see cref="SparkSqlText.Literal"/>.
/// </summary>
public static class SparkPlan
{
    public const string KafkaSourceView = "energy_kafka_source";
    public const string RecordsTable = "energy_records";
    public const string CheckedView = "energy_records_checked";
    public const string ReadingsView = "energy_readings";
    public const string StagingView = "energy_quarterly_staging";

    /// <summary>The staging table in PostgreSQL: the figure columns of quarterly_energy_data (processed_at is set when published).</summary>
    public const string StagingTable = Storage.EnergySchema.StagingTable;

    /// <summary>The measures' SQL type: every value of the data set has three decimals, and sums stay exact.</summary>
    public const string MeasureType = "DECIMAL(10,3)";

    /// <summary>The parse format of the timestamp field, the same text as <see cref="RawEnergyTopic.KeyFormat"/>.</summary>
    public const string TimestampPattern = "yyyy-MM-dd'T'HH:mm:ss";

    /// <summary>The partition columns of the raw zone.</summary>
    public static readonly IReadOnlyList<string> RawZonePartitionColumns = ["year", "quarter"];

    /// <summary>
    /// The from_json schema of a message value, in DDL, built from the names of the contract's one reader and
    /// writer (<see cref="EnergyReadingJson"/>): the timestamp as text, the seven measures as DECIMAL.
    /// Spark parses a JSON number into DECIMAL through BigDecimal, so 4.216 stays exactly 4.216.
    /// </summary>
    public static readonly string ReadingSchemaDdl = string.Join(", ",
        new[] { $"`{EnergyReadingJson.Timestamp.Value}` STRING" }
            .Concat(MeasureFields.Select(field => $"`{field}` {MeasureType}")));

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

    public static readonly SparkSql UseUtc = new("set_time_zone", "SET spark.sql.session.timeZone=UTC");

    /// <summary>Parsed timestamps are local times without a zone, as in the data set and in PostgreSQL's timestamp columns.</summary>
    public static readonly SparkSql UseTimestampWithoutTimeZone = new("set_timestamp_type", "SET spark.sql.timestampType=TIMESTAMP_NTZ");

    /// <summary>The whole topic as a batch: earliest to latest, gaps of a compacted topic accepted.</summary>
    public static SparkSql CreateKafkaSource(SparkPlanInputs inputs) => new("create_kafka_source", $"""
        CREATE OR REPLACE TEMPORARY VIEW {KafkaSourceView}
        USING kafka
        OPTIONS (
          'kafka.bootstrap.servers' {SparkSqlText.Literal(inputs.KafkaBootstrapServers)},
          'subscribe' {SparkSqlText.Literal(inputs.Topic)},
          'startingOffsets' 'earliest',
          'endingOffsets' 'latest',
          'includeHeaders' 'true',
          'failOnDataLoss' 'false'
        )
        """);

    /// <summary>Reads the topic once: every later statement works on this cached snapshot.</summary>
    public static readonly SparkSql CacheRecords = new("cache_records", $"""
        CACHE TABLE {RecordsTable} OPTIONS ('storageLevel' 'MEMORY_AND_DISK') AS
        SELECT
          `partition` AS kafka_partition,
          `offset` AS kafka_offset,
          CAST(`key` AS STRING) AS reading_key,
          from_json(CAST(`value` AS STRING), {SparkSqlText.Literal(ReadingSchemaDdl)}) AS reading,
          CAST(try_element_at(filter(headers, h -> h.key = {SparkSqlText.Literal(RawEnergyTopic.TraceParentHeader)}), 1).value AS STRING) AS trace_parent
        FROM {KafkaSourceView}
        """);

    /// <summary>
    /// A record is valid when its value parsed with a timestamp in the contract's format, that timestamp is a whole
    /// minute and the key is that timestamp (the local engine's rules too); from_json yields NULL (or a struct of
    /// NULLs) for a value that is not the contract's JSON.
    /// </summary>
    public static readonly SparkSql CreateCheckedView = new("create_checked_view", $"""
        CREATE OR REPLACE TEMPORARY VIEW {CheckedView} AS
        SELECT
          kafka_partition,
          kafka_offset,
          reading_key,
          reading,
          reading_at,
          (reading_key IS NOT NULL
            AND reading IS NOT NULL
            AND reading_at IS NOT NULL
            AND second(reading_at) = 0
            AND reading_key = reading.`{EnergyReadingJson.Timestamp.Value}`) AS is_valid
        FROM (
          SELECT *, try_to_timestamp(reading.`{EnergyReadingJson.Timestamp.Value}`, {SparkSqlText.Literal(TimestampPattern)}) AS reading_at
          FROM {RecordsTable}
        )
        """);

    /// <summary>
    /// The cleaned readings: valid records, one per key, the highest offset winning. The same key always goes
    /// to the same partition, so offsets of one key are comparable; the partition only breaks ties.
    /// </summary>
    public static readonly SparkSql CreateReadingsView = new("create_readings_view", $"""
        CREATE OR REPLACE TEMPORARY VIEW {ReadingsView} AS
        SELECT
          reading_at,
          reading_key,
        {string.Join(",\n", MeasureFields.Select(field => $"  reading.`{field}` AS {field}"))},
          kafka_partition,
          kafka_offset,
          year(reading_at) AS year,
          quarter(reading_at) AS quarter
        FROM (
          SELECT *, ROW_NUMBER() OVER (PARTITION BY reading_key ORDER BY kafka_offset DESC, kafka_partition DESC) AS key_rank
          FROM {CheckedView}
          WHERE is_valid
        )
        WHERE key_rank = 1
        """);

    /// <summary>The offsets read, per partition.</summary>
    public static readonly SparkSql QueryPartitionOffsets = new("query_partition_offsets", $"""
        SELECT kafka_partition, MIN(kafka_offset) AS min_offset, MAX(kafka_offset) AS max_offset, COUNT(*) AS records
        FROM {RecordsTable}
        GROUP BY kafka_partition
        ORDER BY kafka_partition
        """);

    /// <summary>How many distinct ingestion traces the run links to at most.</summary>
    public const int MaxTraceLinks = 64;

    /// <summary>The ingestion runs' W3C traceparent headers the records carry, so the job's span can link to them.</summary>
    public static readonly SparkSql QueryTraceParents = new("query_trace_parents", $"""
        SELECT trace_parent
        FROM {RecordsTable}
        WHERE trace_parent IS NOT NULL
        GROUP BY trace_parent
        ORDER BY trace_parent
        LIMIT {MaxTraceLinks}
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
          SELECT COUNT(*) AS readings_read, COUNT_IF(NOT is_valid) AS invalid, COUNT_IF(is_valid) AS valid
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

    /// <summary>The raw zone write: Parquet, partitioned by year and quarter, the directory replaced.</summary>
    public static SparkWrite RawZoneWrite(SparkPlanInputs inputs) =>
        new(RawZoneRows, "parquet", inputs.RawZoneUri, RawZonePartitionColumns);

    /// <summary>The staging table through Spark's JDBC source; the table must exist (the job creates the schema first).</summary>
    public static SparkSql CreateStagingView(SparkPlanInputs inputs) => new("create_staging_view", $"""
        CREATE OR REPLACE TEMPORARY VIEW {StagingView}
        USING org.apache.spark.sql.jdbc
        OPTIONS (
          'url' {SparkSqlText.Literal(inputs.JdbcUrl)},
          'dbtable' {SparkSqlText.Literal(StagingTable)},
          'user' {SparkSqlText.Literal(inputs.Username)},
          'password' {SparkSqlText.Literal(inputs.Password)},
          'driver' 'org.postgresql.Driver'
        )
        """);

    /// <summary>
    /// The quarterly aggregates of DESIGN section 4, in the staging table's column order, written in the SQL that Spark
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

    /// <summary>The quarterly aggregates (<see cref="QuarterlyAggregatesQuery"/>) appended through the JDBC view to the staging table.</summary>
    public static SparkSql InsertQuarterlyAggregates(Guid runId) =>
        new("insert_quarterly_staging", $"INSERT INTO {StagingView}\n{QuarterlyAggregatesQuery(runId)}");

    public static readonly SparkSql UncacheRecords = new("uncache_records", $"UNCACHE TABLE IF EXISTS {RecordsTable}");
}
