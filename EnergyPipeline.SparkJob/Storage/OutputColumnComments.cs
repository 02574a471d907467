namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// Migration 7: a comment on every column of <c>quarterly_energy_data</c> and <c>pipeline_runs</c>, so <c>\d+</c> in
/// psql says what each figure is. docs/contract.md's column tables are these comments (ColumnCommentTests compares them
/// with the migrated database). Frozen with the migration: a changed meaning is a new migration, never an edit here.
/// </summary>
internal static class OutputColumnComments
{
    private static readonly (string Column, string Comment)[] Quarterly =
    [
        ("quarter", "First day of the calendar quarter; the primary key. Quarters are January-March, April-June, July-September and October-December of the readings' timestamps, taken as the file gives them: local time without a zone."),
        ("total_energy_wh", "Wh. Active energy: the sum of global_active_power (kW, each reading the average of one minute) over the complete readings x 1000 / 60, computed exactly and rounded half away from zero to 3 decimals once, at the end. Readings without global_active_power add nothing."),
        ("record_count", "Readings. The complete readings of the quarter: those with global_active_power present. Every energy, average and peak of the row is taken over them."),
        ("reading_count", "Readings. All readings of the quarter after de-duplication (one per minute: the newest valid copy), missing ones included."),
        ("missing_count", "Readings. reading_count - record_count: the readings without global_active_power (the file's rows of '?')."),
        ("sub_metering_1_wh", "Wh. Sum of sub_metering_1 (kitchen) over the complete readings. The readings are Wh of their minute already: the sum is exact, with no rounding. A missing value adds nothing."),
        ("sub_metering_2_wh", "Wh. Sum of sub_metering_2 (laundry room) over the complete readings, exact, as sub_metering_1_wh."),
        ("sub_metering_3_wh", "Wh. Sum of sub_metering_3 (electric water heater and air conditioning) over the complete readings, exact, as sub_metering_1_wh."),
        ("unmetered_energy_wh", "Wh. Active energy no sub-meter measures: (sum of global_active_power x 1000 / 60) minus the three sub-metering sums over the complete readings, computed exactly and rounded half away from zero to 3 decimals once; equal to total_energy_wh - sub_metering_1_wh - sub_metering_2_wh - sub_metering_3_wh. Negative in some minutes; summed as it is."),
        ("reactive_energy_varh", "varh. Reactive energy: the sum of global_reactive_power (one-minute averages, in the file's kW) over the complete readings x 1000 / 60, computed exactly and rounded half away from zero to 3 decimals once, at the end."),
        ("avg_voltage_v", "V. Mean voltage over the complete readings that have one (their sum / their count: each reading is one minute, so this is a time average over the minutes measured), rounded half away from zero to 3 decimals; NULL when there is none."),
        ("avg_global_active_power_kw", "kW. Mean global_active_power over the complete readings: the sum / record_count, a time average over the minutes measured (not over the quarter's length), rounded half away from zero to 3 decimals; NULL when record_count is 0."),
        ("peak_global_active_power_kw", "kW. The largest global_active_power of the quarter (a one-minute average, as read, no rounding); NULL when record_count is 0."),
        ("first_reading_at", "The earliest reading of the quarter, missing ones included; local time without a zone, as in the file."),
        ("last_reading_at", "The latest reading of the quarter, missing ones included; local time without a zone, as in the file."),
        ("run_id", "The job run that computed the row: its pipeline_runs.run_id."),
        ("processed_at", "When that run published the row: the time of the transaction that replaced the table's rows."),
    ];

    private static readonly (string Column, string Comment)[] Runs =
    [
        ("run_id", "The run's id; the primary key. Also its staging rows' run_id, its Spark session id and the name of its raw zone directory (run_id=...)."),
        ("engine", "local (in-process) or spark (Spark Connect): the engine that did the run's work."),
        ("status", "running while it works; succeeded once it published; failed with its error when it did not (the old figures stay), also at once for a run whose pre-flight check failed after PostgreSQL answered; abandoned when its heartbeat went stale (its process ended, or was paused or cut off from the database, for 6 heartbeat intervals), set by a later run and replaced by failed with the run's own error if that run was alive after all."),
        ("started_at", "When the run started."),
        ("finished_at", "When its outcome was recorded; NULL while it runs."),
        ("kafka_offsets", "The snapshot read, in partition order: [{\"partition\":0,\"start_offset\":0,\"end_offset\":123,\"messages\":123}, ...], the end exclusive; messages may be fewer than the span on a compacted topic. NULL when the run failed before reading."),
        ("readings_read", "Messages. The attributed messages read (those of completed ingestions), duplicates and invalid ones included; NULL when the run failed before reading."),
        ("duplicates_dropped", "Messages. Valid copies that lost to a newer copy of their minute; readings kept = readings_read - duplicates_dropped - invalid_count."),
        ("invalid_count", "Messages. Attributed messages that broke the message contract, whatever the reason (invalid_by_reason has the count of each)."),
        ("quarters_written", "Rows published to quarterly_energy_data: their count when the run succeeded, 0 when it failed; NULL while it runs and for an abandoned run."),
        ("error", "Why the run failed or was abandoned, in one line; NULL otherwise."),
        ("topic", "The Kafka topic read."),
        ("invalid_by_reason", "Invalid messages per reason, in the validity rules' order: {\"bad_timestamp\": 2, ...}."),
        ("invalid_samples", "Up to 5 invalid messages per reason: [{\"partition\":0,\"offset\":12,\"reason\":\"bad_timestamp\"}, ...]."),
        ("ingestion_run_ids", "The ingestions whose readings the published figures hold (each supplies at least one minute's newest copy), oldest first."),
        ("source_sha256s", "SHA-256 of the files those ingestions read: the published UCI file's is 4259c9d7ece5dbee9ab8d53682baac68d791c864f0f64a52b4043cb3b90894b7; a generated or edited file has another."),
        ("completed_ingestion_run_ids", "Every completion record of the run's snapshot, newest last: tells one incarnation of the topic from another."),
        ("raw_zone_uri", "The run's own raw zone directory in HDFS (spark engine), set when the run publishes; NULL for the local engine."),
        ("unattributed_count", "Messages. Messages read that no completion record covers (written by hand or by another producer, or by an ingestion killed or still running): neither validated nor used."),
    ];

    /// <summary>
    /// The migration's statements. COMMENT takes a literal, not a parameter: the texts are this file's constants, each
    /// quote doubled.
    /// </summary>
    public static string Sql { get; } = Statements(EnergySchema.QuarterlyTable, Quarterly) + Statements(EnergySchema.RunsTable, Runs);

    private static string Statements(string table, (string Column, string Comment)[] comments) =>
        string.Concat(comments.Select(c => $"COMMENT ON COLUMN {table}.{c.Column} IS '{c.Comment.Replace("'", "''", StringComparison.Ordinal)}';\n"));
}
