namespace EnergyPipeline.Tests.Spark;

/// <summary>A Spark SQL DECIMAL(precision, scale).</summary>
internal readonly record struct SparkDecimal(int Precision, int Scale)
{
    public override string ToString() => $"DECIMAL({Precision},{Scale})";
}

/// <summary>
/// Spark 3.5's result types of the decimal operations the aggregation uses, written from its sources as cited in
/// containers/spark/README.md ("Decimal types of the aggregation"), with the defaults
/// spark.sql.decimalOperations.allowPrecisionLoss=true and integer literals typed by their digits.
/// </summary>
internal static class SparkDecimalRules
{
    private const int MaxPrecision = 38;
    private const int MinimumAdjustedScale = 6;

    /// <summary>An INT column or expression mixed with a decimal (DecimalType.forType).</summary>
    public static readonly SparkDecimal Int = new(10, 0);

    /// <summary>An integer literal: the precision its digits need (DecimalType.fromLiteral).</summary>
    public static SparkDecimal Literal(long value) => new(Math.Abs(value).ToString(System.Globalization.CultureInfo.InvariantCulture).Length, 0);

    /// <summary>Sum.resultType: DecimalType.bounded(p + 10, s).</summary>
    public static SparkDecimal Sum(SparkDecimal d) => Bounded(d.Precision + 10, d.Scale);

    /// <summary>Coalesce and CASE take the wider type: max(s1, s2) + max(p1 - s1, p2 - s2), max(s1, s2).</summary>
    public static SparkDecimal Wider(SparkDecimal a, SparkDecimal b)
    {
        var scale = Math.Max(a.Scale, b.Scale);
        return Bounded(Math.Max(a.Precision - a.Scale, b.Precision - b.Scale) + scale, scale);
    }

    public static SparkDecimal Subtract(SparkDecimal a, SparkDecimal b)
    {
        var scale = Math.Max(a.Scale, b.Scale);
        return Adjust(Math.Max(a.Precision - a.Scale, b.Precision - b.Scale) + scale + 1, scale);
    }

    public static SparkDecimal Multiply(SparkDecimal a, SparkDecimal b) => Adjust(a.Precision + b.Precision + 1, a.Scale + b.Scale);

    public static SparkDecimal Divide(SparkDecimal a, SparkDecimal b)
    {
        var scale = Math.Max(MinimumAdjustedScale, a.Scale + b.Precision + 1);
        return Adjust(a.Precision - a.Scale + b.Scale + scale, scale);
    }

    /// <summary>RoundBase.dataType for a non-negative target scale.</summary>
    public static SparkDecimal Round(SparkDecimal d, int scale)
    {
        var newScale = Math.Min(d.Scale, scale);
        return new SparkDecimal(Math.Min(d.Precision - d.Scale + 1 + newScale, MaxPrecision), newScale);
    }

    /// <summary>True when <see cref="Adjust"/> had to cut the scale (precision beyond 38).</summary>
    public static bool LosesPrecision(int precision) => precision > MaxPrecision;

    /// <summary>DecimalType.adjustPrecisionScale: beyond 38 digits the scale shrinks, to no less than min(scale, 6).</summary>
    private static SparkDecimal Adjust(int precision, int scale)
    {
        if (precision <= MaxPrecision)
        {
            return new SparkDecimal(precision, scale);
        }

        var integerDigits = precision - scale;
        return new SparkDecimal(MaxPrecision, Math.Max(MaxPrecision - integerDigits, Math.Min(scale, MinimumAdjustedScale)));
    }

    private static SparkDecimal Bounded(int precision, int scale) => new(Math.Min(precision, MaxPrecision), Math.Min(scale, MaxPrecision));
}
