using System.Runtime.CompilerServices;

namespace EnergyPipeline.Messaging;

/// <summary>
/// A <c>raw_energy</c> message value read straight into integers: the timestamp, the seven measures in thousandths
/// (in the contract's order) and a bit per missing (<c>null</c>) measure. What the job aggregates, without an
/// <see cref="EnergyReading"/> or a <see langword="decimal"/> per message. Filled by
/// <see cref="ReadingValidator"/>.
/// </summary>
public struct EnergyReadingThousandths
{
    public const int Measures = 7;

    public DateTime Timestamp;

    /// <summary>Measure i in thousandths (value x 1000, exact); 0 when the measure is missing.</summary>
    public MeasureThousandths Thousandths;

    /// <summary>Bit i set: measure i is <c>null</c>.</summary>
    public byte MissingMask;

    public readonly bool Has(int measure) => (MissingMask & (1 << measure)) == 0;

    [InlineArray(Measures)]
    public struct MeasureThousandths
    {
        private long _element0;
    }
}
