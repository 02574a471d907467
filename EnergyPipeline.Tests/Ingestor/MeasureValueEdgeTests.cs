using static EnergyPipeline.Tests.Ingestor.ParsingHelpers;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>Measures at the edges of the format that are still readings.</summary>
public sealed class MeasureValueEdgeTests
{
    [Theory]
    [InlineData("-0.000")]
    [InlineData("-0")]
    [InlineData("-0.0")]
    public void Negative_zero_is_zero_not_an_impossible_value(string reactive)
    {
        var (summary, sink) = Parse(Header + $"\n16/12/2006;17:24:00;4.216;{reactive};234.840;18.400;0.000;1.000;17.000\n");

        Assert.Equal((1L, 0L), (summary.Readings, summary.Malformed));
        Assert.Equal(0m, sink.Readings[0].Reading.Value(1));
    }
}
