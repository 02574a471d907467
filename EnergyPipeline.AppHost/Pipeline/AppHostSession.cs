using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// The AppHost's life from its first line to its exit code. Ctrl+C (SIGINT) and SIGTERM are caught from the start,
/// before the model is built, so an interrupt at any moment ends the same way: the host stopped (every service and
/// the embedded servers with it, temporary directories removed), one line naming the stage, exit code 130 (143 for
/// SIGTERM). The generic host alone would skip its stop when start-up is interrupted, and print the cancellation's
/// stack trace as "Hosting failed to start".
/// </summary>
public sealed class AppHostSession : IDisposable
{
    /// <summary>
    /// Aspire's own setting: the host's stop waits until DCP has stopped every process it started, instead of leaving
    /// that to DCP after the AppHost has exited (Aspire.Hosting.Testing sets it too).
    /// </summary>
    public const string WaitForResourceCleanupSetting = "DcpPublisher:WaitForResourceCleanup";

    private static readonly TimeSpan OrchestratorExitLimit = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan NothingStartedStopLimit = TimeSpan.FromSeconds(3);

    private readonly PosixSignalRegistration[] _signals;
    private readonly CancellationTokenSource _interrupted = new();

    public AppHostSession()
    {
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public PipelineRunState Run { get; } = new();

    /// <summary>An interrupt, or the run-once mode's stop: a start-up cut short by it is no failure.</summary>
    private bool StopRequested => Run.Interrupted || Run.ExitRequested;

    /// <summary>Shares the run's state with the model and keeps an interrupted start-up from logging a stack trace.</summary>
    public void Configure(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddSingleton(Run);
        // This session owns Ctrl+C and SIGTERM: the console lifetime's own handler would stop the host before the
        // interrupt is recorded, and the cancelled start-up would be taken for a failure.
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.Configuration[WaitForResourceCleanupSetting] ??= "true";
        builder.Services.AddLogging(logging => logging.AddFilter(HostCategory, level => level >= LogLevel.Information && !StopRequested));
    }

    /// <summary>Starts the application, waits for its end (an interrupt, or the run-once mode's), stops it; returns the exit code.</summary>
    public async Task<int> RunAsync(DistributedApplication app, TextWriter output, TextWriter errors)
    {
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var exitCode = 0;
        try
        {
            await app.StartAsync(_interrupted.Token).ConfigureAwait(false);
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, _interrupted.Token);
            await WaitUntilCancelledAsync(ended.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (StopRequested)
        {
            // Start-up was interrupted, or the run-once mode's run ended before it was over (a service failed at once):
            // the stop below still runs every part that had started.
        }
        catch (EmbeddedInfrastructureException ex)
        {
            await errors.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            exitCode = 1;
        }
        finally
        {
            var orchestrator = OrchestratorProcesses.Of(Environment.ProcessId);
            await StopAsync(app, orchestratorStarted: orchestrator.Count > 0).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await OrchestratorProcesses.WaitForExitAsync(orchestrator, OrchestratorExitLimit).ConfigureAwait(false);
        }

        if (Run.InterruptionLine is { } line)
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }

        return Run.Interrupted ? Run.ExitCode : exitCode is not 0 ? exitCode : Run.ExitCode;
    }

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        _interrupted.Dispose();
    }

    private const string HostCategory = "Microsoft.Extensions.Hosting";

    private void OnSignal(PosixSignalContext context)
    {
        // The process must not end here: the stop in RunAsync runs once the wait or the start-up is cancelled.
        context.Cancel = true;
        Run.Interrupt(context.Signal);
        _interrupted.Cancel();
    }

    /// <summary>
    /// Stops every part that started. Before the orchestrator has started there is nothing for it to clean up, but its
    /// stop would wait for it anyway until the host's shutdown timeout: that wait is cut short. The embedded servers'
    /// directories are not left to the stop; they are dealt with when the application is disposed.
    /// </summary>
    private static async Task StopAsync(DistributedApplication app, bool orchestratorStarted)
    {
        using var limit = new CancellationTokenSource(orchestratorStarted ? Timeout.InfiniteTimeSpan : NothingStartedStopLimit);
        try
        {
            await app.StopAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            // Nothing the orchestrator would have run was running.
        }
    }

    /// <summary>The host's lifetime without signal handling (see <see cref="OnSignal"/>).</summary>
    private sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static async Task WaitUntilCancelledAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The application is stopping.
        }
    }
}
