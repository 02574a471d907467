using System.Text.Json;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Ingestor.CommandLine;
using EnergyPipeline.Progress;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.Tests.Ingestor;
using Microsoft.Extensions.Time.Testing;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The lines the AppHost console prints about a service, from what the service itself prints: the cause of a failure
/// (its first error line, never the usage text after it), what a success did (from the real summary writers of both
/// services), and which progress lines are repeated.
/// </summary>
public sealed class ConsoleReportLineTests
{
    [Fact]
    public async Task A_usage_error_is_reported_by_its_error_line_not_by_the_help_hint_after_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.txt");
        var (code, _, errors) = await IngestorCli.RunAsync("ingest", "--file", missing, "--ConnectionStrings:kafka=127.0.0.1:9");
        var output = new ServiceOutput();

        foreach (var line in Lines(errors))
        {
            output.Add(line, isStandardError: true);
        }

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(IngestorCommandLine.HelpHint, Lines(errors).Last());
        Assert.Equal($"the file to ingest (--file or Ingestor:File): '{missing}' does not exist.", output.FailureReason);
        Assert.True(output.HasEnded);
    }

    [Fact]
    public void A_failed_job_is_reported_by_its_own_failure_line_before_the_log_lines_and_the_stack_trace()
    {
        var output = new ServiceOutput();
        output.Add("fail: EnergyPipeline.SparkJob.Orchestration.JobRunner[1]", isStandardError: false);
        output.Add("Job run 0199 failed, previous figures kept: InvalidOperationException: partition 3 ended early", isStandardError: false);
        output.Add("System.InvalidOperationException: partition 3 ended early", isStandardError: false);
        Assert.False(output.HasEnded);

        output.Add("Job failed: InvalidOperationException: partition 3 ended early", isStandardError: true);
        output.Add(JobFailureSummary.ToJson("local", "InvalidOperationException: partition 3 ended early", TimeSpan.FromSeconds(2)), isStandardError: false);

        Assert.Equal("InvalidOperationException: partition 3 ended early", output.FailureReason);
        Assert.Equal("failed", output.SummaryLine!.Value.GetProperty("status").GetString());
    }

    [Fact]
    public void Without_an_error_line_the_cause_is_the_first_logged_failure_else_the_first_line_on_standard_error()
    {
        var logged = new ServiceOutput();
        logged.Add("info: Startup[0]", isStandardError: false);
        logged.Add("crit: Microsoft.Extensions.Hosting.Internal.Host[10]", isStandardError: false);
        logged.Add("The host crashed: no configuration", isStandardError: false);
        logged.Add("Unhandled exception. System.Exception: later", isStandardError: true);
        Assert.Equal("The host crashed: no configuration", logged.FailureReason);

        var crashed = new ServiceOutput();
        crashed.Add("Unhandled exception. System.IO.IOException: disk full", isStandardError: true);
        crashed.Add("   at EnergyPipeline.Something()", isStandardError: true);
        Assert.Equal("Unhandled exception. System.IO.IOException: disk full", crashed.FailureReason);
        Assert.Null(new ServiceOutput().FailureReason);
    }

    [Fact]
    public void A_succeeded_service_is_described_by_the_fields_of_its_own_summary_line()
    {
        var ingest = new RunSummary("ingest", "/data/household_power_consumption.txt", 2_075_268, 2_075_259, 2_075_259, 25_979, 9,
            132_960_755, 41.2, 2_533_004.478m, 42_216.741300m, "succeeded", Source: "uci").ToJson();
        var job = new JobSummary(Guid.NewGuid(), "local", 2_075_259, 0, 0, 0, 0, 17, 12.5).ToJson();

        Assert.Equal(
            "2,075,259 readings from /data/household_power_consumption.txt (uci), 9 malformed lines skipped",
            ServiceSummaryLine.Describe(ResourceNames.Ingestor, Json(ingest)));
        Assert.Equal("17 quarters, 0 invalid, 0 unattributed, 0 unsigned completion records", ServiceSummaryLine.Describe(ResourceNames.Job, Json(job)));
    }

    [Fact]
    public void A_summary_field_shows_when_a_service_adds_it_and_a_missing_one_leaves_its_phrase_out()
    {
        var withUnattributed = Json("""{"status":"succeeded","quarters_written":17,"invalid":2,"unattributed":1234}""");
        var withoutMalformed = Json("""{"status":"succeeded","readings":10,"file":"f.txt","source":"file"}""");

        Assert.Equal("17 quarters, 2 invalid, 1,234 unattributed", ServiceSummaryLine.Describe(ResourceNames.Job, withUnattributed));
        Assert.Equal("17 quarters, 0 invalid, 0 unattributed, 3 unsigned completion records", ServiceSummaryLine.Describe(
            ResourceNames.Job, Json("""{"status":"succeeded","quarters_written":17,"invalid":0,"unattributed":0,"unsigned_completions":3}""")));
        Assert.Equal("17 quarters, 0 invalid, 0 unattributed", ServiceSummaryLine.Describe(
            ResourceNames.Job, Json("""{"status":"succeeded","quarters_written":17,"invalid":0,"unattributed":0,"unsigned_completions":null}""")));
        Assert.Equal("10 readings from f.txt (file)", ServiceSummaryLine.Describe(ResourceNames.Ingestor, withoutMalformed));
        Assert.Null(ServiceSummaryLine.Describe(ResourceNames.Job, Json("""{"status":"succeeded"}""")));
    }

    [Fact]
    public void A_count_of_one_is_said_in_the_singular_and_any_other_count_in_the_plural()
    {
        Assert.Equal("1 quarter, 1 invalid, 0 unattributed, 1 unsigned completion record", ServiceSummaryLine.Describe(
            ResourceNames.Job, Json("""{"status":"succeeded","quarters_written":1,"invalid":1,"unattributed":0,"unsigned_completions":1}""")));
        Assert.Equal("0 quarters, 0 invalid, 1 unattributed, 11 unsigned completion records", ServiceSummaryLine.Describe(
            ResourceNames.Job, Json("""{"status":"succeeded","quarters_written":0,"invalid":0,"unattributed":1,"unsigned_completions":11}""")));
        Assert.Equal("1 reading from f.txt (file), 1 malformed line skipped", ServiceSummaryLine.Describe(
            ResourceNames.Ingestor, Json("""{"status":"succeeded","readings":1,"file":"f.txt","source":"file","malformed":1}""")));
        Assert.Equal("1,001 readings from f.txt (file), 2 malformed lines skipped", ServiceSummaryLine.Describe(
            ResourceNames.Ingestor, Json("""{"status":"succeeded","readings":1001,"file":"f.txt","source":"file","malformed":2}""")));
    }

    [Fact]
    public void A_file_in_the_data_set_s_place_that_is_not_the_published_one_is_said_on_the_ingestor_s_line()
    {
        var ingest = new RunSummary("ingest", "data/household_power_consumption.txt", 10, 10, 10, 0, 0, 640, 0.1, 12.5m, 0.208333m, "succeeded",
            Source: "file", Notice: "'data/household_power_consumption.txt' is not the published UCI file (its SHA-256 is 5a75); ingested as a local file").ToJson();

        Assert.Equal(
            "10 readings from data/household_power_consumption.txt (file), 0 malformed lines skipped, " +
            "'data/household_power_consumption.txt' is not the published UCI file (its SHA-256 is 5a75); ingested as a local file",
            ServiceSummaryLine.Describe(ResourceNames.Ingestor, Json(ingest)));
    }

    [Fact]
    public void Progress_is_repeated_at_each_further_tenth_or_after_a_quiet_period_for_each_service_on_its_own()
    {
        var time = new FakeTimeProvider();
        var relay = new ProgressRelay(time);
        bool Show(string service, long done) => relay.ShouldShow(service, new ProgressLine("Reading", done, 1_000, "bytes") { Percent = done / 10.0 });

        Assert.True(Show("ingestor", 50));      // the first line
        Assert.False(Show("ingestor", 90));     // same tenth, 0 s later
        Assert.True(Show("ingestor", 120));     // a further tenth
        Assert.True(Show("spark-job", 10));     // another service counts on its own
        time.Advance(PlainProgressLog.QuietPeriod - TimeSpan.FromSeconds(1));
        Assert.False(Show("ingestor", 150));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(Show("ingestor", 160));     // quiet for the whole period
        relay.Reset("ingestor");
        Assert.True(Show("ingestor", 0));       // a re-run starts over
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();
}
