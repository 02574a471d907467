using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Dashboard commands that run the pipeline again: the ingestion followed by the job, or the job alone with a
/// chosen engine. The engine is read when the job starts, so one model serves both.
/// </summary>
public static class PipelineCommands
{
    public const string RunPipelineCommand = "run-pipeline";
    public const string EngineVariable = "Pipeline__Engine";

    public static string RunJobCommand(PipelineEngine engine) => $"run-job-{engine.Name()}";

    /// <summary>Adds "Run with ... engine" commands to the job, one per engine the model can run.</summary>
    public static IResourceBuilder<ProjectResource> WithEngineCommands(
        this IResourceBuilder<ProjectResource> job, PipelineEngine configured, IReadOnlyList<PipelineEngine> available)
    {
        var selected = configured;
        job.WithEnvironment(context => context.EnvironmentVariables[EngineVariable] = selected.Name());

        foreach (var engine in available)
        {
            job.WithCommand(
                RunJobCommand(engine),
                $"Run with the {engine.Name()} engine",
                async context =>
                {
                    selected = engine;
                    return await StartAsync(context, job.Resource).ConfigureAwait(false);
                },
                new CommandOptions
                {
                    Description = $"Runs the job again on the {engine.Name()} engine over the whole topic.",
                    IconName = "Play",
                    UpdateState = NotWhileRunning,
                });
        }

        return job;
    }

    /// <summary>
    /// Adds "Run the pipeline again" to the ingestor: ingest, wait for it to finish, then run the job. The ingestor
    /// process starts a fresh trace and the job continues it (from the completion record): one trace per pipeline run.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithRunPipelineCommand(
        this IResourceBuilder<ProjectResource> ingestor, IResourceBuilder<ProjectResource> job)
    {
        return ingestor.WithCommand(
            RunPipelineCommand,
            "Run the pipeline again",
            async context =>
            {
                var ingestion = await StartAsync(context, ingestor.Resource).ConfigureAwait(false);
                if (!ingestion.Success)
                {
                    return ingestion;
                }

                var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
                var finished = await notifications.WaitForResourceAsync(
                    ingestor.Resource.Name, e => IsTerminal(e.Snapshot), context.CancellationToken).ConfigureAwait(false);
                if (finished.Snapshot.ExitCode is not 0)
                {
                    return CommandResults.Failure($"The ingestion ended with exit code {finished.Snapshot.ExitCode}; the job was not started.");
                }

                return await StartAsync(context, job.Resource).ConfigureAwait(false);
            },
            new CommandOptions
            {
                Description = "Ingests the file again (idempotent: the figures do not change), then runs the job.",
                IconName = "ArrowRepeatAll",
                UpdateState = NotWhileRunning,
            });
    }

    private static async Task<ExecuteCommandResult> StartAsync(ExecuteCommandContext context, IResource resource)
    {
        var commands = context.Services.GetRequiredService<ResourceCommandService>();
        return await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, context.CancellationToken).ConfigureAwait(false);
    }

    private static ResourceCommandState NotWhileRunning(UpdateCommandStateContext context) =>
        IsTerminal(context.ResourceSnapshot) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    private static bool IsTerminal(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state);

}
