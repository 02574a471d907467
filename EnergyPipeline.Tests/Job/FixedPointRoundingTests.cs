using EnergyPipeline.SparkJob.Aggregation;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>Half-way values round away from zero (docs/contract.md, *quarterly_energy_data*), in the one division every figure goes through.</summary>
public sealed class FixedPointRoundingTests
{
    [Theory]
    [InlineData(1, 2, 1)]
    [InlineData(-1, 2, -1)]
    [InlineData(3, 2, 2)]
    [InlineData(-3, 2, -2)]
    [InlineData(5, 2, 3)]
    [InlineData(15, 10, 2)]
    [InlineData(-25, 10, -3)]
    [InlineData(7, 14, 1)]
    [InlineData(1, 3, 0)]
    [InlineData(2, 3, 1)]
    [InlineData(-2, 3, -1)]
    [InlineData(0, 7, 0)]
    public void Exact_half_way_quotients_round_away_from_zero(long numerator, long denominator, long expected)
    {
        Assert.Equal(expected, FixedPoint.RoundedDivide(numerator, denominator));
    }

    [Fact]
    public void Every_small_quotient_agrees_with_the_rule_worked_out_in_integers()
    {
        // Independent rule: q = trunc(n / d), r = |n| - |q| d; |q| grows by one when 2r >= d.
        for (long d = 1; d <= 24; d++)
        {
            for (long n = -600; n <= 600; n++)
            {
                var q = n / d;
                var r = Math.Abs(n) - (Math.Abs(q) * d);
                var expected = 2 * r >= d ? q + Math.Sign(n) : q;
                Assert.Equal(expected, FixedPoint.RoundedDivide(n, d));
            }
        }
    }

    [Fact]
    public void A_non_positive_denominator_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPoint.RoundedDivide(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPoint.RoundedDivide(1, -2));
    }

    [Fact]
    public void Averages_exactly_half_way_between_thousandths_are_rounded_up_by_the_aggregator()
    {
        var at = new DateTime(2008, 5, 1, 12, 0, 0);
        var aggregator = new QuarterlyAggregator();
        // Mean power (0.001 + 0.002) / 2 = 0.0015 -> 0.002; mean voltage (240.001 + 240.000) / 2 = 240.0005 -> 240.001.
        aggregator.Add(Complete(at, 0.001m, voltage: 240.001m), partition: 0, offset: 0);
        aggregator.Add(Complete(at.AddMinutes(1), 0.002m, voltage: 240.000m), partition: 0, offset: 1);

        var quarter = aggregator.Complete().Quarter(2008, 4);

        Assert.Equal(0.002m, quarter.AvgGlobalActivePowerKw);
        Assert.Equal(240.001m, quarter.AvgVoltageV);
        Assert.Equal(0.002m, quarter.PeakGlobalActivePowerKw);
    }
}
