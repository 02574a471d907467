using EnergyPipeline.Progress;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>The plain progress log's lines read back, as the AppHost console reads its services' output.</summary>
public sealed class ProgressLineTests
{
    [Fact]
    public void A_line_written_by_the_plain_progress_log_reads_back_with_its_figures()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        long done = 0;
        using (var reporter = new ProgressReporter(131_029_087, () => done, new PlainProgressLog(logger, "Sending household: a file.txt to raw_energy", "bytes"), time))
        {
            done = 52_411_635;
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var line = ProgressLine.Parse(Assert.Single(logger.Collector.GetSnapshot()).Message);

        Assert.NotNull(line);
        Assert.Equal(("Sending household: a file.txt to raw_energy", 52_411_635L, (long?)131_029_087L, "bytes", (double?)40.0),
            (line.Activity, line.Done, line.Total, line.Unit, line.Percent));
    }

    [Fact]
    public void A_line_without_a_total_has_no_percent_and_other_lines_are_none()
    {
        var line = ProgressLine.Parse("Sending: " + new ProgressSample(3_000, null, TimeSpan.FromSeconds(2)).Describe("readings"));

        Assert.Equal(("Sending", 3_000L, (long?)null, (double?)null), (line!.Activity, line.Done, line.Total, line.Percent));
        Assert.Null(ProgressLine.Parse("Reading raw_energy done: 1,000 of 1,000 messages (100.0 %), 83 messages/s in 12.0 s"));
        Assert.Null(ProgressLine.Parse("Job run 0199 starting: engine local, topic raw_energy"));
    }
}
