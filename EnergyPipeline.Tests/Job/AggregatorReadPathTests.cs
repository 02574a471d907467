using System.Text;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.Tests.Infrastructure;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The aggregator reads values in the writer's form straight into thousandths; values in other layouts take the
/// validator's rules one by one and must aggregate exactly alike. (Every verdict: Contract.ContractCaseTests.)
/// </summary>
public sealed class AggregatorReadPathTests
{
    [Fact]
    public void Synthetic_readings_written_by_the_writer_and_re_spaced_for_the_general_path_aggregate_identically()
    {
        var fast = new QuarterlyAggregator();
        var general = new QuarterlyAggregator();
        long offset = 0;
        foreach (var reading in SyntheticReadings.Generate(150_000))
        {
            var key = Key(reading.Timestamp);
            var value = Value(reading);
            Assert.Null(fast.Add((int)(offset % 6), offset, key, value));
            var spaced = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(value).Replace(",", " , ", StringComparison.Ordinal));
            Assert.Null(general.Add((int)(offset % 6), offset, key, spaced));
            offset++;
        }

        var expected = general.Complete();
        var actual = fast.Complete();
        Assert.Equal(expected.Quarters, actual.Quarters);
        Assert.Equal((expected.MessagesRead, expected.DuplicatesDropped, expected.Invalid), (actual.MessagesRead, actual.DuplicatesDropped, actual.Invalid));
        Assert.Equal(IndependentFigures.Of(SyntheticReadings.Generate(150_000)), actual.Quarters);
    }
}
