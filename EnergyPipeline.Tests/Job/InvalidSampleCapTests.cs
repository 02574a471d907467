using System.Text;
using EnergyPipeline.SparkJob.Aggregation;
using static EnergyPipeline.Tests.Job.JobTestData;

namespace EnergyPipeline.Tests.Job;

/// <summary>Every invalid message is counted; only the samples kept for the log are capped, at the first ones of a reason.</summary>
public sealed class InvalidSampleCapTests
{
    [Theory]
    [InlineData(3, 10)]
    [InlineData(QuarterlyAggregator.DefaultSamplesPerReason, 25)]
    public void Invalid_messages_beyond_the_sample_limit_are_counted_but_not_sampled(int limit, int invalid)
    {
        var aggregator = new QuarterlyAggregator(limit);
        var at = new DateTime(2010, 2, 3, 4, 5, 0);
        aggregator.Add(Complete(at, 1.2m), partition: 0, offset: 0);
        for (var offset = 1; offset <= invalid; offset++)
        {
            // Broken JSON under keys of other minutes: those minutes are left out, the good one stays.
            Assert.NotNull(aggregator.Add(2, offset, Key(at.AddMinutes(offset)), Encoding.UTF8.GetBytes($"{{\"broken\":{offset}")));
        }

        var result = aggregator.Complete();

        Assert.Equal((invalid + 1L, (long)invalid), (result.MessagesRead, result.Invalid));
        var reason = Assert.Single(result.InvalidByReason);
        Assert.Equal(invalid, reason.Messages);
        Assert.Equal(Enumerable.Range(1, limit).Select(o => (2, (long)o)), reason.Samples.Select(s => (s.Partition, s.Offset)));
        Assert.Equal(20.000m, result.Quarter(2010, 1).TotalEnergyWh);
    }
}
