namespace EnergyPipeline.SparkJob.Aggregation;

/// <summary>Exact arithmetic on values held as integer thousandths (every measure of the data set has 3 decimals).</summary>
internal static class FixedPoint
{
    public const int Scale = 1000;
    private static readonly long[] PowersOfTen = [1, 10, 100, 1000];
    private const decimal MaxThousandthsValue = 2_147_484m; // above int.MaxValue / 1000 and below any overflow

    /// <summary>Converts a measure to thousandths; false when it has more than 3 decimals or does not fit an int.</summary>
    public static bool TryToThousandths(decimal value, out int thousandths)
    {
        // Fast path: a small coefficient with at most 3 decimals (every value of the data set).
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        if (bits[1] == 0 && bits[2] == 0 && bits[0] >= 0 && scale <= 3)
        {
            var magnitude = (long)bits[0] * PowersOfTen[3 - scale];
            if (magnitude <= int.MaxValue)
            {
                thousandths = (int)(bits[3] < 0 ? -magnitude : magnitude);
                return true;
            }
        }

        if (value > MaxThousandthsValue || value < -MaxThousandthsValue)
        {
            // Checked before multiplying: value * 1000 overflows (throws) for values beyond 7.9e25.
            thousandths = 0;
            return false;
        }

        var scaled = value * Scale;
        if (scaled != decimal.Truncate(scaled) || scaled > int.MaxValue || scaled < int.MinValue)
        {
            thousandths = 0;
            return false;
        }

        thousandths = (int)scaled;
        return true;
    }

    /// <summary><paramref name="numerator"/> / <paramref name="denominator"/> rounded half away from zero to an integer, exactly.</summary>
    public static long RoundedDivide(Int128 numerator, Int128 denominator)
    {
        if (denominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(denominator));
        }

        var magnitude = (Int128.Abs(numerator) * 2 + denominator) / (denominator * 2);
        return (long)(numerator < 0 ? -magnitude : magnitude);
    }

    public static decimal FromThousandths(long thousandths) => thousandths / (decimal)Scale;
}
