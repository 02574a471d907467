using System.Text.RegularExpressions;
using EnergyPipeline.SparkJob.Spark;
using static EnergyPipeline.Tests.Spark.SparkDecimalRules;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// The decimal types Spark gives each column of the aggregation, derived with Spark's promotion rules
/// (<see cref="SparkDecimalRules"/>) from the numbers in the plan's own text, and what they mean for rounding: the one
/// thing the PostgreSQL run of the same text (<see cref="SparkAggregationOnPostgresTests"/>) cannot show, because
/// PostgreSQL's NUMERIC has no such intermediate types.
/// </summary>
public sealed partial class SparkDecimalTypeTests
{
    private static readonly SparkDecimal Measure = ParseMeasureType();

    private static readonly string Query = Regex.Replace(SparkPlan.QuarterlyAggregatesQuery(Guid.Empty), @"\s+", " ");

    public static TheoryData<string> EnergyColumns => new("total_energy_wh", "reactive_energy_varh");

    public static TheoryData<string> AverageColumns => new("avg_voltage_v", "avg_global_active_power_kw");

    [Theory]
    [MemberData(nameof(EnergyColumns))]
    public void Energies_are_sum_times_1000_over_60_in_decimal_rounded_once_to_3_decimals(string column)
    {
        var energy = EnergyPattern().Match(Query.Replace($"AS {column}", "AS THIS_COLUMN", StringComparison.Ordinal));
        Assert.True(energy.Success, $"{column} is not ROUND(COALESCE(SUM(..), 0) * n / m, d)");
        Assert.Equal(("1000", "60", "3"), (energy.Groups["times"].Value, energy.Groups["over"].Value, energy.Groups["digits"].Value));

        var sum = Wider(Sum(Measure), Literal(0));
        var product = Multiply(sum, Literal(long.Parse(energy.Groups["times"].Value)));
        var quotient = Divide(product, Literal(long.Parse(energy.Groups["over"].Value)));

        Assert.Equal(new SparkDecimal(20, 3), sum);
        Assert.Equal(new SparkDecimal(28, 6), quotient);
        Assert.False(LosesPrecision(product.Precision) || LosesPrecision(quotient.Precision));
        Assert.Equal(new SparkDecimal(26, 3), Round(quotient, 3));
    }

    [Theory]
    [MemberData(nameof(AverageColumns))]
    public void Averages_divide_the_decimal_sum_by_a_decimal_count_rounded_once_to_3_decimals(string column)
    {
        var average = AveragePattern().Match(Query.Replace($"AS {column}", "AS THIS_COLUMN", StringComparison.Ordinal));
        Assert.True(average.Success, $"{column} is not ROUND(SUM(x) / CAST(NULLIF(COUNT(x), 0) AS DECIMAL(p,s)), d)");
        Assert.Equal(average.Groups["sum"].Value, average.Groups["count"].Value);
        Assert.Equal("3", average.Groups["digits"].Value);

        var count = new SparkDecimal(int.Parse(average.Groups["p"].Value), int.Parse(average.Groups["s"].Value));
        var quotient = Divide(Sum(Measure), count);

        // The count cast must hold any quarter's count (at most 132,480 minutes) and keep the quotient's scale high.
        Assert.True(count.Precision - count.Scale >= 6, $"{count} cannot hold a quarter's count");
        Assert.Equal(new SparkDecimal(31, 14), quotient);
        Assert.False(LosesPrecision(quotient.Precision));
        Assert.Equal(new SparkDecimal(21, 3), Round(quotient, 3));
    }

    [Fact]
    public void Sub_metering_sums_unmetered_energy_and_peak_keep_three_decimals_without_rounding()
    {
        foreach (var n in new[] { 1, 2, 3 })
        {
            Assert.Contains($"COALESCE(SUM(CASE WHEN global_active_power IS NOT NULL THEN sub_metering_{n} END), 0) AS sub_metering_{n}_wh", Query, StringComparison.Ordinal);
        }

        Assert.Contains("total_energy_wh - sub_metering_1_wh - sub_metering_2_wh - sub_metering_3_wh AS unmetered_energy_wh", Query, StringComparison.Ordinal);
        Assert.Contains("MAX(global_active_power) AS peak_global_active_power_kw", Query, StringComparison.Ordinal);
        var subMetered = Wider(Sum(Measure), Literal(0));
        var unmetered = Subtract(Subtract(Subtract(Round(new SparkDecimal(28, 6), 3), subMetered), subMetered), subMetered);
        Assert.Equal(new SparkDecimal(29, 3), unmetered);
        // Spark's own IF is not PostgreSQL's: the shared text uses CASE only.
        Assert.DoesNotMatch(@"\bIF\(", Query);
    }

    [Fact]
    public void Energy_rounded_at_the_quotients_scale_then_at_three_equals_exact_rounding_for_every_sum()
    {
        // Spark rounds SUM * 1000 / 60 half-up at the quotient's scale before ROUND(.., 3). For sums of k thousandths
        // that double rounding must equal the exact half-away-from-zero rounding of k / 60 (the local engine's).
        var scale = Divide(Multiply(Wider(Sum(Measure), Literal(0)), Literal(1000)), Literal(60)).Scale;
        for (long k = -20_000; k <= 2_000_000; k += 7)
        {
            var exact = Math.Round(k / 60m, 3, MidpointRounding.AwayFromZero);
            var twice = Math.Round(Math.Round(k / 60m, scale, MidpointRounding.AwayFromZero), 3, MidpointRounding.AwayFromZero);
            Assert.Equal(exact, twice);
        }
    }

    [Fact]
    public void Averages_rounded_at_the_quotients_scale_then_at_three_equal_exact_rounding()
    {
        var scale = Divide(Sum(Measure), new SparkDecimal(10, 0)).Scale;
        var random = new Random(20061216);
        for (var i = 0; i < 100_000; i++)
        {
            long n = random.Next(1, 140_000);
            var thousandths = random.NextInt64(0, 260_000L * n);
            // Exact: half away from zero of thousandths / (1000 n), worked out in integers.
            var exact = ((2 * thousandths) + n) / (2 * n) / 1000m;
            var twice = Math.Round(Math.Round(thousandths / 1000m / n, scale, MidpointRounding.AwayFromZero), 3, MidpointRounding.AwayFromZero);
            Assert.Equal(exact, twice);
        }
    }

    private static SparkDecimal ParseMeasureType()
    {
        var match = Regex.Match(SparkPlan.MeasureType, @"^DECIMAL\((\d+),(\d+)\)$");
        Assert.True(match.Success);
        return new SparkDecimal(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value));
    }

    [GeneratedRegex(@"ROUND\(COALESCE\(SUM\([^()]*(?:\([^()]*\))?[^()]*\), 0\) \* (?<times>\d+) / (?<over>\d+), (?<digits>\d+)\) AS THIS_COLUMN\b")]
    private static partial Regex EnergyPattern();

    [GeneratedRegex(@"ROUND\(SUM\((?<sum>[^()]+)\) / CAST\(NULLIF\(COUNT\((?<count>[^()]+)\), 0\) AS DECIMAL\((?<p>\d+),(?<s>\d+)\)\), (?<digits>\d+)\) AS THIS_COLUMN\b")]
    private static partial Regex AveragePattern();
}
