using EnergyPipeline.SparkJob.Storage;
using EnergyPipeline.Tests.Infrastructure;
using EnergyPipeline.Tests.Job;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EnergyPipeline.Tests.Grafana;

/// <summary>
/// Every panel's SQL, read from the provisioned dashboard, runs on the migrated schema in the real PostgreSQL as the
/// read-only role the job provisions, and returns the rows worked out by hand for a known fixture.
/// </summary>
public sealed class GrafanaPanelQueryTests(PostgresServerFixture server)
{
    // Two quarters; values chosen so that kWh rounding goes half away from zero (x.xxx5 Wh / 1000).
    private const string QuarterFixture = """
        INSERT INTO quarterly_energy_data (quarter, total_energy_wh, record_count, reading_count, missing_count,
            sub_metering_1_wh, sub_metering_2_wh, sub_metering_3_wh, unmetered_energy_wh, reactive_energy_varh,
            avg_voltage_v, avg_global_active_power_kw, peak_global_active_power_kw, first_reading_at, last_reading_at, run_id, processed_at)
        VALUES
          ('2007-01-01', 1234567.891, 129000, 129600, 600, 100000.500, 200000.000, 300000.250, 634567.141, 50000.000,
           240.123, 1.234, 9.876, '2007-01-01 00:00', '2007-03-31 23:59', '11111111-1111-1111-1111-111111111111', now()),
          ('2006-10-01', 20000.000, 1000, 1440, 440, 1000.000, 2000.000, 3000.000, 14000.000, 500.000,
           238.500, 0.500, 5.000, '2006-12-16 17:24', '2006-12-31 23:59', '11111111-1111-1111-1111-111111111111', now())
        """;

    private const string RunFixture = """
        INSERT INTO pipeline_runs (run_id, engine, status, started_at, finished_at, readings_read, duplicates_dropped, invalid_count, quarters_written, error)
        VALUES
          ('00000000-0000-0000-0000-000000000001', 'local', 'succeeded', '2026-01-01 10:00:00+00', '2026-01-01 10:00:12.34+00', 2075259, 0, 0, 17, NULL),
          ('00000000-0000-0000-0000-000000000002', 'spark', 'failed',    '2026-01-02 09:00:00+00', '2026-01-02 09:01:00.05+00', 10, 2, 1, 0, 'boom'),
          ('00000000-0000-0000-0000-000000000003', 'spark', 'running',   '2026-01-03 08:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL)
        """;

    public static TheoryData<string, string[]> ExpectedRows => new()
    {
        { "Total energy per quarter (kWh)", ["2006Q4 | 20.000", "2007Q1 | 1234.568"] },
        { "Sub-metering and unmetered energy per quarter (kWh)", ["2006Q4 | 1.000 | 2.000 | 3.000 | 14.000", "2007Q1 | 100.001 | 200.000 | 300.000 | 634.567"] },
        { "Average and peak active power (kW)", ["2006Q4 | 0.500 | 5.000", "2007Q1 | 1.234 | 9.876"] },
        { "Missing readings per quarter", ["2006Q4 | 440", "2007Q1 | 600"] },
        {
            "Recent runs",
            [
                "2026-01-03T08:00:00+00:00 | spark | running | NULL | NULL | NULL | NULL",
                "2026-01-02T09:00:00+00:00 | spark | failed | 10 | 2 | 1 | 60.1",
                "2026-01-01T10:00:00+00:00 | local | succeeded | 2075259 | 0 | 0 | 12.3",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(ExpectedRows))]
    public async Task The_panel_query_returns_the_fixture_s_figures_to_the_read_only_role(string panel, string[] expected)
    {
        var (reader, _) = await FixtureDatabaseAsync();
        var sql = GrafanaFiles.PanelQueries().Single(p => p.Title == panel).Sql;

        Assert.Equal(expected, await RowsAsTextAsync(reader, sql));
    }

    [Fact]
    public async Task Every_panel_of_the_dashboard_has_expected_rows_here()
    {
        Assert.Equal(
            GrafanaFiles.PanelQueries().Select(p => p.Title).Order(StringComparer.Ordinal),
            ExpectedRows.Select(row => (string)row.Data.Item1).Order(StringComparer.Ordinal));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task The_role_can_read_the_figures_but_write_nothing()
    {
        var (reader, owner) = await FixtureDatabaseAsync();
        await using var connection = new NpgsqlConnection(reader);
        await connection.OpenAsync(TestContext.Current.CancellationToken);

        var readOnly = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DELETE FROM quarterly_energy_data"));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, readOnly.SqlState);

        // Leaving read-only mode does not help: the role has no write privilege, and sees nothing but the two tables.
        await ExecuteAsync(connection, "SET default_transaction_read_only = off");
        var denied = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DELETE FROM quarterly_energy_data"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        var staging = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT * FROM quarterly_energy_staging"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, staging.SqlState);
        var create = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "CREATE TABLE scratch (x int)"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, create.SqlState);

        await using var ownerConnection = new NpgsqlConnection(owner);
        await ownerConnection.OpenAsync(TestContext.Current.CancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM quarterly_energy_data", ownerConnection);
        Assert.Equal(2L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Provisioning_again_keeps_the_rights_and_takes_the_new_password()
    {
        await using var db = await JobDatabase.CreateAsync(server, "grafana");
        var role = new DashboardReaderRole($"grafana_reader_{Guid.NewGuid():N}"[..40], "first-Password-1");
        await new SchemaMigrator(db.DataSource, NullLogger<SchemaMigrator>.Instance, [role]).MigrateAsync(TestContext.Current.CancellationToken);
        var renewed = role with { Password = "second-Password-2" };

        await new SchemaMigrator(db.DataSource, NullLogger<SchemaMigrator>.Instance, [renewed]).MigrateAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<PostgresException>(() => OpenAsAsync(db.ConnectionString, role));
        await using var connection = await OpenAsAsync(db.ConnectionString, renewed);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pipeline_runs", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain("second-Password-2", renewed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_configured_dashboard_gets_a_read_only_role_of_its_own()
    {
        await using var db = await JobDatabase.CreateAsync(server, "readers");
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:Grafana:ReaderRole"] = $"grafana_reader_{suffix}",
            ["Pipeline:Grafana:ReaderPassword"] = $"Grafana-{suffix}",
            ["Pipeline:PgWeb:ReaderRole"] = $"pgweb_reader_{suffix}",
            ["Pipeline:PgWeb:ReaderPassword"] = $"PgWeb-{suffix}",
        }).Build();

        var roles = DashboardReaderRole.FromConfiguration(configuration);
        await new SchemaMigrator(db.DataSource, NullLogger<SchemaMigrator>.Instance, roles).MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal([$"grafana_reader_{suffix}", $"pgweb_reader_{suffix}"], roles.Select(r => r.Role));
        foreach (var role in roles)
        {
            await using var connection = await OpenAsAsync(db.ConnectionString, role);
            var readOnly = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DELETE FROM pipeline_runs"));
            Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, readOnly.SqlState);
        }

        configuration["Pipeline:PgWeb:ReaderPassword"] = "";
        Assert.Equal([$"grafana_reader_{suffix}"], DashboardReaderRole.FromConfiguration(configuration).Select(r => r.Role));
    }

    /// <summary>A migrated database with the fixture, and connection strings for the reader role and the owner.</summary>
    private async Task<(string Reader, string Owner)> FixtureDatabaseAsync()
    {
        var owner = await server.CreateDatabaseAsync("grafana");
        var role = new DashboardReaderRole($"grafana_reader_{Guid.NewGuid():N}"[..40], $"Pw{Guid.NewGuid():N}");
        await using (var dataSource = NpgsqlDataSource.Create(owner))
        {
            await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance, [role]).MigrateAsync(TestContext.Current.CancellationToken);
            await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
            await ExecuteAsync(connection, QuarterFixture);
            await ExecuteAsync(connection, RunFixture);
        }

        return (ReaderConnectionString(owner, role), owner);
    }

    private static string ReaderConnectionString(string owner, DashboardReaderRole role) =>
        new NpgsqlConnectionStringBuilder(owner) { Username = role.Role, Password = role.Password, Pooling = false }.ConnectionString;

    private static async Task<NpgsqlConnection> OpenAsAsync(string owner, DashboardReaderRole role)
    {
        var connection = new NpgsqlConnection(ReaderConnectionString(owner, role));
        try
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    // Each row's values as PostgreSQL renders them in JSON (numerics with their scale, timestamps ISO in UTC), in
    // column order, joined as "a | b | c"; the panel's own ORDER BY gives the row order.
    private static async Task<List<string>> RowsAsTextAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await ExecuteAsync(connection, "SET TIME ZONE 'UTC'");
        await using var command = new NpgsqlCommand($"""
            SELECT (SELECT string_agg(coalesce(field.value, 'NULL'), ' | ' ORDER BY field.ordinality)
                    FROM json_each_text(row_to_json(panel)) WITH ORDINALITY AS field)
            FROM ({sql}) AS panel
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
