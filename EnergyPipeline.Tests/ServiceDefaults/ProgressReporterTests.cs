using EnergyPipeline.Progress;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>
/// The progress both services show: percent and rate from the sampled counter and a controlled clock, the log lines
/// written when output is not a terminal, and the choice between bar and lines.
/// </summary>
public sealed class ProgressReporterTests
{
    private long _done;

    [Fact]
    public void Percent_and_rate_come_from_the_counter_and_the_elapsed_time()
    {
        var time = new FakeTimeProvider();
        using var reporter = new ProgressReporter(2_000, () => Interlocked.Read(ref _done), new PlainProgressLog(new FakeLogger(), "Reading", "messages"), time);

        _done = 500;
        time.Advance(TimeSpan.FromSeconds(4));
        var sample = reporter.Sample();

        // 500 of 2,000 is a quarter; 500 in 4 s is 125 a second.
        Assert.Equal((500L, 25.0, 125.0), (sample.Done, sample.Percent!.Value, sample.PerSecond));
        Assert.Equal("500 of 2,000 messages (25.0 %), 125 messages/s", sample.Describe("messages"));
    }

    [Fact]
    public void Without_a_total_there_is_no_percent_but_a_count_and_a_rate()
    {
        var sample = new ProgressSample(3_000, null, TimeSpan.FromSeconds(2));

        Assert.Null(sample.Percent);
        Assert.Equal("3,000 readings, 1,500 readings/s", sample.Describe("readings"));
    }

    [Fact]
    public void Log_lines_come_at_each_further_tenth_or_after_a_quiet_period_and_once_when_done()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var reporter = new ProgressReporter(1_000, () => Interlocked.Read(ref _done), new PlainProgressLog(logger, "Reading raw_energy", "messages"), time);

        _done = 50; // 5 %: no line yet
        time.Advance(TimeSpan.FromSeconds(1));
        _done = 120; // 12 %: the first tenth
        time.Advance(TimeSpan.FromSeconds(1));
        _done = 180; // still the first tenth: quiet until 10 s after the last line (at 2 s)
        for (var second = 3; second <= 12; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        _done = 1_000;
        reporter.Complete();
        time.Advance(TimeSpan.FromSeconds(5)); // nothing after the end
        reporter.Dispose();

        Assert.Equal(
        [
            "Reading raw_energy: 120 of 1,000 messages (12.0 %), 60 messages/s",
            "Reading raw_energy: 180 of 1,000 messages (18.0 %), 15 messages/s",
            "Reading raw_energy done: 1,000 of 1,000 messages (100.0 %), 83 messages/s in 12.0 s",
        ], logger.Collector.GetSnapshot().Select(r => r.Message));
    }

    [Fact]
    public void Work_that_stops_early_writes_no_done_line()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var reporter = new ProgressReporter(1_000, () => 300, new PlainProgressLog(logger, "Reading", "messages"), time);
        time.Advance(TimeSpan.FromSeconds(1));

        reporter.Dispose();

        Assert.Equal(["Reading: 300 of 1,000 messages (30.0 %), 300 messages/s"], logger.Collector.GetSnapshot().Select(r => r.Message));
    }

    [Fact]
    public void The_terminal_bar_draws_the_final_figures_on_the_console_it_is_given()
    {
        var screen = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(screen),
            Ansi = Spectre.Console.AnsiSupport.Yes,
            Interactive = Spectre.Console.InteractionSupport.Yes,
        });
        console.Profile.Width = 200;
        var time = new FakeTimeProvider();
        var reporter = new ProgressReporter(400, () => Interlocked.Read(ref _done), new TerminalProgressBar(console, "Reading raw_energy", 400), time);

        _done = 400;
        time.Advance(TimeSpan.FromSeconds(2));
        reporter.Complete();

        Assert.Contains("Reading raw_energy", screen.ToString(), StringComparison.Ordinal);
        Assert.Contains("100%", screen.ToString(), StringComparison.Ordinal);
        Assert.Contains("400/400 200/s", screen.ToString(), StringComparison.Ordinal);
        Assert.Contains('\u001b', screen.ToString()); // drawn in place with escape sequences, unlike the log lines
    }

    [Theory]
    [InlineData(false, false, "xterm-256color", true)]
    [InlineData(true, false, "xterm-256color", false)] // the summary goes to a pipe or a file
    [InlineData(false, true, "xterm-256color", false)] // the bar's own stream is redirected (the AppHost redirects both)
    [InlineData(true, true, null, false)]
    [InlineData(false, false, "dumb", false)]
    public void A_bar_only_when_both_streams_are_a_terminal(bool outputRedirected, bool errorRedirected, string? term, bool bar) =>
        Assert.Equal(bar, ProgressDisplay.ShowsBar(outputRedirected, errorRedirected, term));
}
