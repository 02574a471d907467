namespace EnergyPipeline.Messaging;

/// <summary>
/// One minute of the household's meter, as carried on <c>raw_energy</c>. Every measure is exact to the
/// file's three decimals; <see langword="null"/> is a missing value (<c>?</c> or empty in the source).
/// Timestamps are local time without a zone, as in the data set.
/// </summary>
public sealed record EnergyReading(
    DateTime Timestamp,
    decimal? GlobalActivePower,
    decimal? GlobalReactivePower,
    decimal? Voltage,
    decimal? GlobalIntensity,
    decimal? SubMetering1,
    decimal? SubMetering2,
    decimal? SubMetering3)
{
    /// <summary>A reading is complete when its global active power is present (docs/contract.md, *quarterly_energy_data*).</summary>
    public bool IsComplete => GlobalActivePower.HasValue;
}
