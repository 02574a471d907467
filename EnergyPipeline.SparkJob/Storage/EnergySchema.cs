namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// Names and numbered migrations of the job's PostgreSQL schema (docs/contract.md, *quarterly_energy_data*, *pipeline_runs*). A change to the schema is a new
/// migration appended here, never an edit of an applied one.
/// </summary>
public static class EnergySchema
{
    public const string QuarterlyTable = "quarterly_energy_data";
    public const string StagingTable = "quarterly_energy_staging";
    public const string RunsTable = "pipeline_runs";
    public const string VersionTable = "schema_version";

    /// <summary>The published run and its raw zone directory: the raw zone that describes the quarterly table.</summary>
    public const string CurrentRawZoneView = "current_raw_zone";

    /// <summary>
    /// The figure columns shared by <see cref="QuarterlyTable"/> and <see cref="StagingTable"/>, in order. The quarterly
    /// table adds <c>processed_at</c> (set when a run is published); the staging table's key is (run_id, quarter).
    /// </summary>
    public static readonly IReadOnlyList<string> FigureColumns =
    [
        "quarter", "total_energy_wh", "record_count", "reading_count", "missing_count",
        "sub_metering_1_wh", "sub_metering_2_wh", "sub_metering_3_wh", "unmetered_energy_wh", "reactive_energy_varh",
        "avg_voltage_v", "avg_global_active_power_kw", "peak_global_active_power_kw",
        "first_reading_at", "last_reading_at", "run_id",
    ];

    public sealed record Migration(int Version, string Description, string Sql);

    private const string FigureColumnsDdl = """
            quarter                      date          NOT NULL,
            total_energy_wh              numeric(20,3) NOT NULL,
            record_count                 bigint        NOT NULL,
            reading_count                bigint        NOT NULL,
            missing_count                bigint        NOT NULL,
            sub_metering_1_wh            numeric(20,3) NOT NULL,
            sub_metering_2_wh            numeric(20,3) NOT NULL,
            sub_metering_3_wh            numeric(20,3) NOT NULL,
            unmetered_energy_wh          numeric(20,3) NOT NULL,
            reactive_energy_varh         numeric(20,3) NOT NULL,
            avg_voltage_v                numeric(20,3),
            avg_global_active_power_kw   numeric(20,3),
            peak_global_active_power_kw  numeric(20,3),
            first_reading_at             timestamp without time zone NOT NULL,
            last_reading_at              timestamp without time zone NOT NULL,
            run_id                       uuid          NOT NULL
        """;

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "quarterly figures, staging and run log", $"""
            CREATE TABLE {QuarterlyTable} (
            {FigureColumnsDdl},
                processed_at                 timestamptz   NOT NULL,
                PRIMARY KEY (quarter)
            );
            COMMENT ON TABLE {QuarterlyTable} IS 'Quarterly energy figures of the last successful job run (DESIGN section 4).';

            CREATE TABLE {StagingTable} (
            {FigureColumnsDdl},
                PRIMARY KEY (run_id, quarter)
            );
            COMMENT ON TABLE {StagingTable} IS 'Figures of runs in progress; published into {QuarterlyTable} in one transaction.';

            CREATE TABLE {RunsTable} (
                run_id               uuid        PRIMARY KEY,
                engine               text        NOT NULL,
                status               text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
                started_at           timestamptz NOT NULL,
                finished_at          timestamptz,
                kafka_offsets        jsonb,
                readings_read        bigint,
                duplicates_dropped   bigint,
                invalid_count        bigint,
                quarters_written     integer,
                error                text
            );
            """),
        new(2, "run log: abandoned runs, topic, invalid messages by reason, lineage", $"""
            ALTER TABLE {RunsTable} DROP CONSTRAINT pipeline_runs_status_check;
            ALTER TABLE {RunsTable} ADD CONSTRAINT pipeline_runs_status_check
                CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned'));
            ALTER TABLE {RunsTable}
                ADD COLUMN topic                   text,
                ADD COLUMN invalid_by_reason       jsonb,
                ADD COLUMN invalid_samples         jsonb,
                ADD COLUMN ingestion_run_ids       text[],
                ADD COLUMN source_sha256s          text[],
                ADD COLUMN completed_ingestion_run_ids text[];
            COMMENT ON COLUMN {RunsTable}.ingestion_run_ids IS 'Ingestion runs whose readings the published figures hold.';
            COMMENT ON COLUMN {RunsTable}.source_sha256s IS 'SHA-256 of the files those ingestions read (the UCI file: 4259c9d7...).';
            COMMENT ON COLUMN {RunsTable}.completed_ingestion_run_ids IS 'Completion records of the run''s snapshot, newest last: tell one incarnation of the topic from another.';
            """),

        // Version 3 follows the run log's version 2 (added alongside); it depends only on version 1.
        new(3, "raw zone directory of each published run", $"""
            ALTER TABLE {RunsTable} ADD COLUMN raw_zone_uri text;
            COMMENT ON COLUMN {RunsTable}.raw_zone_uri IS 'The run''s own raw zone directory (Spark engine), set when the run is published.';

            CREATE VIEW {CurrentRawZoneView} AS
            SELECT run_id, engine, finished_at, raw_zone_uri
            FROM {RunsTable}
            WHERE status = 'succeeded'
            ORDER BY finished_at DESC, run_id
            LIMIT 1;
            COMMENT ON VIEW {CurrentRawZoneView} IS 'The run behind quarterly_energy_data and its raw zone directory (NULL: that run wrote none).';
            """),

        // Depends on version 1 only.
        new(4, "run log: messages of no completed ingestion", $"""
            ALTER TABLE {RunsTable} ADD COLUMN unattributed_count bigint;
            COMMENT ON COLUMN {RunsTable}.unattributed_count IS 'Messages read that no completion record covers (another producer, an ingestion killed or still running): not validated, not used.';
            """),

        // Version 1's table comment cited a document outside the repository; an applied migration is never edited.
        new(5, "table comment citing the repository's own contract", $"""
            COMMENT ON TABLE {QuarterlyTable} IS 'Quarterly energy figures of the last successful job run (docs/contract.md, quarterly_energy_data).';
            """),

        // Depends on version 1 only.
        new(6, "run log: malformed lines of the ingestions used, run heartbeats", $"""
            ALTER TABLE {RunsTable}
                ADD COLUMN malformed_lines           bigint,
                ADD COLUMN ingestion_malformed_lines bigint[],
                ADD COLUMN malformed_by_reason       jsonb,
                ADD COLUMN heartbeat_at              timestamptz,
                ADD COLUMN heartbeat_interval        interval;
            COMMENT ON COLUMN {RunsTable}.malformed_lines IS 'Lines the ingestions behind the published figures skipped as malformed (within Ingestor:MaxMalformedLines), summed.';
            COMMENT ON COLUMN {RunsTable}.ingestion_malformed_lines IS 'Malformed lines each of those ingestions skipped, in the order of ingestion_run_ids (NULL: its ingestor did not count them).';
            COMMENT ON COLUMN {RunsTable}.malformed_by_reason IS 'Those lines per reason, summed over the ingestions.';
            COMMENT ON COLUMN {RunsTable}.heartbeat_at IS 'Last renewal of a running run''s lease, by the database''s clock; another run marks it abandoned once it is older than 6 heartbeat intervals.';
            COMMENT ON COLUMN {RunsTable}.heartbeat_interval IS 'How often the run renews heartbeat_at (Pipeline:RunHeartbeat).';
            """),

        // Depends on versions 1-4 (the columns it describes); replaces the column comments of 2-4 and leaves version
        // 6's on the columns it added.
        new(7, "comments on every column of the output tables", OutputColumnComments.Sql),

        // Depends on version 1 only.
        new(8, "run log: completion records refused for a missing or wrong MAC", $"""
            ALTER TABLE {RunsTable} ADD COLUMN unsigned_completions integer;
            COMMENT ON COLUMN {RunsTable}.unsigned_completions IS 'Completion records. The records of the run''s snapshot refused for a missing or wrong MAC (docs/contract.md, Signed completion records): they attribute nothing. NULL when the job had no Pipeline:CompletionKey and verified none.';
            """),
    ];
}
