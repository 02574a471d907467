using EnergyPipeline.Ingestor.Parsing;
using static EnergyPipeline.Tests.Ingestor.ParsingHelpers;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>A row with any missing measure is a missing-value row, not only the file's all-missing rows.</summary>
public sealed class MissingValueRowTests
{
    [Theory]
    [InlineData("16/12/2006;17:25:00;5.360;?;233.630;23.000;0.000;1.000;16.000", 1)]
    [InlineData("16/12/2006;17:25:00;5.360;0.436;233.630;23.000;0.000;1.000;", 6)]
    [InlineData("16/12/2006;17:25:00;?;0.436;233.630;23.000;0.000;1.000;16.000", 0)]
    public void A_row_with_one_missing_measure_is_counted_as_a_missing_value_row(string line, int missingMeasure)
    {
        var (summary, sink) = Parse(Header + "\n16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\n" + line + "\n");

        Assert.Equal((2L, 1L, 0L), (summary.Readings, summary.MissingValueRows, summary.Malformed));
        var reading = sink.Readings[1].Reading;
        Assert.True(reading.IsMissing(missingMeasure));
        Assert.Equal(6, Enumerable.Range(0, 7).Count(i => !reading.IsMissing(i)));
    }
}
