using System.Runtime.CompilerServices;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>The seven measures of a line in thousandths (the file's three decimals, kept exact).</summary>
[InlineArray(HouseholdPowerFormat.MeasureCount)]
public struct MeasureThousandths
{
    private int _element0;
}

/// <summary>
/// One parsed line of the file without any allocation: the minute, the seven measures as scaled integers
/// (thousandths) and a bit mask of the missing ones (bit i = measure i, file order).
/// </summary>
public struct HouseholdReading
{
    public DateTime Timestamp;
    public MeasureThousandths Thousandths;
    public byte MissingMask;

    public const byte AllMissing = (1 << HouseholdPowerFormat.MeasureCount) - 1;

    public readonly bool HasMissing => MissingMask != 0;

    public readonly bool IsMissing(int measure) => (MissingMask & (1 << measure)) != 0;

    /// <summary>The measure as an exact decimal with scale 3, or null when missing.</summary>
    public readonly decimal? Value(int measure) =>
        IsMissing(measure) ? null : new decimal(Thousandths[measure], 0, 0, false, HouseholdPowerFormat.Scale);

    public readonly EnergyReading ToEnergyReading() =>
        new(Timestamp, Value(0), Value(1), Value(2), Value(3), Value(4), Value(5), Value(6));
}
