using System.Runtime.InteropServices;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Pipeline;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>The stage an interrupt names, its line and the AppHost's exit code, from the services' states.</summary>
public sealed class PipelineRunStateTests
{
    [Theory]
    [InlineData(null, null, null, PipelineStage.StartUp)]
    [InlineData("Waiting", null, "Waiting", PipelineStage.StartUp)]
    [InlineData("Starting", null, "Waiting", PipelineStage.Ingestor)]
    [InlineData("Running", null, "Waiting", PipelineStage.Ingestor)]
    [InlineData("Finished", 0, "Waiting", PipelineStage.SparkJob)]
    [InlineData("Finished", 0, "Running", PipelineStage.SparkJob)]
    [InlineData("Finished", 0, "Finished", PipelineStage.AfterRun)]
    [InlineData("Exited", 2, "Waiting", PipelineStage.AfterRun)]
    [InlineData("Running", null, "Finished", PipelineStage.Ingestor)] // "Run the pipeline again" from the dashboard
    public void The_stage_follows_the_services(string? ingestor, int? ingestorExit, string? job, PipelineStage stage) =>
        Assert.Equal(stage, PipelineRunState.StageOf(Snapshot(ingestor, ingestorExit), Snapshot(job, null)));

    [Fact]
    public void The_first_interrupt_names_the_stage_it_came_in_and_sets_the_exit_code()
    {
        var run = new PipelineRunState();
        run.Observe(Snapshot("Running", null), Snapshot("Waiting", null));
        Assert.Null(run.InterruptionLine);

        run.Interrupt(PosixSignal.SIGINT);
        run.Observe(Snapshot("Finished", 0), Snapshot("Running", null));
        run.Interrupt(PosixSignal.SIGTERM);

        Assert.Equal("Stopped by Ctrl+C during ingestor.", run.InterruptionLine);
        Assert.Equal(130, run.ExitCode);
    }

    [Fact]
    public void SIGTERM_after_the_run_exits_143_and_a_failed_run_exits_1_unless_interrupted()
    {
        var terminated = new PipelineRunState();
        terminated.Observe(Snapshot("Finished", 0), Snapshot("Finished", 0));
        terminated.Interrupt(PosixSignal.SIGTERM);
        Assert.Equal(("Stopped by SIGTERM after the run.", 143), (terminated.InterruptionLine, terminated.ExitCode));

        var failed = new PipelineRunState();
        Assert.True(failed.Finish(succeeded: false));
        Assert.False(failed.Finish(succeeded: true));
        Assert.Equal(1, failed.ExitCode);
        failed.Interrupt(PosixSignal.SIGINT);
        Assert.Equal(130, failed.ExitCode);

        var succeeded = new PipelineRunState();
        succeeded.Finish(succeeded: true);
        Assert.Equal(0, succeeded.ExitCode);
    }

    private static CustomResourceSnapshot? Snapshot(string? state, int? exitCode) => state is null ? null : new CustomResourceSnapshot
    {
        ResourceType = "Project",
        Properties = [],
        State = state,
        ExitCode = exitCode,
    };
}
