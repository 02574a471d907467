using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob.Storage;

/// <summary>
/// A live run's lease on its row of <c>pipeline_runs</c>: every interval it renews <c>heartbeat_at</c> with the
/// database's clock. A renewal that cannot reach the database is tried again at the next interval (a restart costs a
/// few beats, not the run). When a renewal finds the row no longer running because another run marked it abandoned
/// (its heartbeat went stale), <see cref="Lost"/> is cancelled: the run stops, never publishes, and records its own
/// failure. Dispose it once the run's outcome is recorded.
/// </summary>
public sealed partial class RunLease : IAsyncDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private Task _beating = Task.CompletedTask;

    private RunLease(Guid runId, ILogger logger)
    {
        RunId = runId;
        _logger = logger;
    }

    public Guid RunId { get; }

    /// <summary>Cancelled when another run has marked this one abandoned.</summary>
    public CancellationToken Lost => _lost.Token;

    internal static RunLease Start(QuarterlyStore store, Guid runId, TimeSpan interval, ILogger logger)
    {
        var lease = new RunLease(runId, logger);
        lease._beating = lease.BeatAsync(store, interval);
        return lease;
    }

    private async Task BeatAsync(QuarterlyStore store, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                string? status;
                try
                {
                    status = await store.RenewHeartbeatAsync(RunId, _stop.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRenewalFailed(RunId, ex.Message);
                    continue;
                }

                if (status == QuarterlyStore.StatusAbandoned)
                {
                    LogLost(RunId);
                    await _lost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The run's outcome is recorded: no more heartbeats.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _beating;
        _stop.Dispose();
        _lost.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} could not renew its heartbeat, trying again at the next interval: {Error}")]
    private partial void LogRenewalFailed(Guid runId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} was marked abandoned by another run (its heartbeat had gone stale): it stops and publishes nothing")]
    private partial void LogLost(Guid runId);
}

/// <summary>Another run marked this run abandoned (its heartbeat had gone stale): it publishes nothing.</summary>
public sealed class RunAbandonedException(string message) : InvalidOperationException(message)
{
    public static string Describe(Guid runId) =>
        $"run {runId} was marked abandoned by another run: its heartbeat in {EnergySchema.RunsTable} had not been renewed for " +
        $"{QuarterlyStore.MissedHeartbeatsBeforeAbandoned} intervals (Pipeline:RunHeartbeat) by the database's clock " +
        "(the process was paused, or cut off from the database that long); nothing was published, run the job again";
}
