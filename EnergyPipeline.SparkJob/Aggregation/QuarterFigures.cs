namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>
/// One row of <c>quarterly_energy_data</c> (docs/contract.md, *quarterly_energy_data*) before it is stamped with a run id. Energies and
/// averages are exact and already rounded half away from zero to 3 decimals. Averages and the peak are null when
/// the quarter has no complete reading (or, for the voltage, no complete reading with a voltage).
/// </summary>
public sealed record QuarterFigures(
    DateOnly Quarter,
    decimal TotalEnergyWh,
    long RecordCount,
    long ReadingCount,
    long MissingCount,
    decimal SubMetering1Wh,
    decimal SubMetering2Wh,
    decimal SubMetering3Wh,
    decimal UnmeteredEnergyWh,
    decimal ReactiveEnergyVarh,
    decimal? AvgVoltageV,
    decimal? AvgGlobalActivePowerKw,
    decimal? PeakGlobalActivePowerKw,
    DateTime FirstReadingAt,
    DateTime LastReadingAt)
{
    /// <summary>First day of the calendar quarter that contains <paramref name="timestamp"/>.</summary>
    public static DateOnly QuarterOf(DateTime timestamp) => new(timestamp.Year, (timestamp.Month - 1) / 3 * 3 + 1, 1);
}
