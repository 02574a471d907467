using Npgsql;
using Spectre.Console;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>One published quarter as the console shows it.</summary>
public sealed record QuarterRow(DateOnly Quarter, decimal EnergyWh, long Readings, long Missing, decimal? AverageVoltage)
{
    /// <summary><c>2007-Q1</c>.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Quarter.Year}-Q{((Quarter.Month - 1) / 3) + 1}");

    /// <summary>The energy in kWh, rounded to watt-hours (the table stores Wh with three decimals).</summary>
    public decimal EnergyKwh => Math.Round(EnergyWh / 1000m, 3, MidpointRounding.AwayFromZero);
}

/// <summary>
/// The published figures on the AppHost console after a successful job: a table (quarter, energy, readings, missing,
/// average voltage) and a bar chart of energy per quarter, read from the database the job wrote.
/// </summary>
public static class QuarterlyResultsView
{
    /// <summary>What the console reads; the psql command it prints shows the table's own columns.</summary>
    public const string Query = "SELECT quarter, total_energy_wh, reading_count, missing_count, avg_voltage_v FROM quarterly_energy_data ORDER BY quarter";

    public static async Task<IReadOnlyList<QuarterRow>> ReadAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 15 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Query, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<QuarterRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new QuarterRow(
                reader.GetFieldValue<DateOnly>(0), reader.GetDecimal(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetDecimal(4)));
        }

        return rows;
    }

    /// <summary>Writes the table and the chart; colours only when <paramref name="writer"/> is a terminal.</summary>
    public static void Render(IReadOnlyList<QuarterRow> rows, TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
        });

        var table = new Table { Title = new TableTitle("quarterly_energy_data") }
            .AddColumn("quarter")
            .AddColumn(new TableColumn("energy kWh").RightAligned())
            .AddColumn(new TableColumn("readings").RightAligned())
            .AddColumn(new TableColumn("missing").RightAligned())
            .AddColumn(new TableColumn("avg voltage V").RightAligned());
        foreach (var row in rows)
        {
            table.AddRow(
                row.Label,
                row.EnergyKwh.ToString("N3", CultureInfo.InvariantCulture),
                row.Readings.ToString("N0", CultureInfo.InvariantCulture),
                row.Missing.ToString("N0", CultureInfo.InvariantCulture),
                row.AverageVoltage?.ToString("N3", CultureInfo.InvariantCulture) ?? "-");
        }

        var chart = new BarChart().Label("Energy per quarter (kWh)").Width(72)
            .UseValueFormatter(kwh => kwh.ToString("N3", CultureInfo.InvariantCulture));
        foreach (var row in rows)
        {
            chart.AddItem(row.Label, (double)row.EnergyKwh, Color.Green);
        }

        console.Write(table);
        console.Write(chart);
    }
}
