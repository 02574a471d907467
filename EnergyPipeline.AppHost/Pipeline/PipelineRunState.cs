using System.Runtime.InteropServices;
using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>The part of a run the console names when the AppHost is interrupted.</summary>
public enum PipelineStage
{
    StartUp,
    Ingestor,
    SparkJob,
    AfterRun,
}

/// <summary>
/// What the AppHost knows of its run while it is up, shared by the console report, the interrupt handler and the
/// exit code: the stage the pipeline is in, the signal that interrupted it (with the stage at that moment), and once
/// the job has ended or cannot start, whether both services succeeded.
/// </summary>
public sealed class PipelineRunState
{
    public const int InterruptedByCtrlC = 130;
    public const int InterruptedBySigterm = 143;
    public const int ServiceFailed = 1;

    private readonly Lock _gate = new();
    private PipelineStage _stage;
    private (PosixSignal Signal, PipelineStage Stage)? _interruption;
    private bool? _succeeded;
    private bool _exitRequested;

    public PipelineStage Stage
    {
        get
        {
            lock (_gate)
            {
                return _stage;
            }
        }
    }

    public bool Interrupted
    {
        get
        {
            lock (_gate)
            {
                return _interruption is not null;
            }
        }
    }

    /// <summary>Null until the job has ended or cannot start; then whether the ingestor and the job both succeeded.</summary>
    public bool? Succeeded
    {
        get
        {
            lock (_gate)
            {
                return _succeeded;
            }
        }
    }

    /// <summary>The stage from the services' latest states (null: not seen yet).</summary>
    public void Observe(CustomResourceSnapshot? ingestor, CustomResourceSnapshot? job)
    {
        var stage = StageOf(ingestor, job);
        lock (_gate)
        {
            _stage = stage;
        }
    }

    /// <summary>Records the first interrupting signal and the stage it came in; later ones change nothing.</summary>
    public void Interrupt(PosixSignal signal)
    {
        lock (_gate)
        {
            _interruption ??= (signal, _stage);
        }
    }

    /// <summary>Records the run's outcome; true when this call was the first to do so.</summary>
    public bool Finish(bool succeeded)
    {
        lock (_gate)
        {
            if (_succeeded is not null)
            {
                return false;
            }

            _succeeded = succeeded;
            return true;
        }
    }

    /// <summary>The run-once mode asked the AppHost to stop (recorded before the stop begins, so the stop is known for one).</summary>
    public bool ExitRequested
    {
        get
        {
            lock (_gate)
            {
                return _exitRequested;
            }
        }
    }

    public void RequestExit()
    {
        lock (_gate)
        {
            _exitRequested = true;
        }
    }

    /// <summary><c>Stopped by Ctrl+C during ingestor.</c>, or null when nothing interrupted the AppHost.</summary>
    public string? InterruptionLine
    {
        get
        {
            lock (_gate)
            {
                return _interruption is { } interruption
                    ? $"Stopped by {SignalName(interruption.Signal)} {StagePhrase(interruption.Stage)}."
                    : null;
            }
        }
    }

    /// <summary>130 after Ctrl+C, 143 after SIGTERM, 1 when a service failed, else 0.</summary>
    public int ExitCode
    {
        get
        {
            lock (_gate)
            {
                return _interruption switch
                {
                    { Signal: PosixSignal.SIGTERM } => InterruptedBySigterm,
                    not null => InterruptedByCtrlC,
                    _ => _succeeded is false ? ServiceFailed : 0,
                };
            }
        }
    }

    /// <summary>
    /// A running service names the stage (a re-run from the dashboard starts over at the ingestor); a finished job, or
    /// an ingestor that failed, ends the run; an ingestor that succeeded hands over to the job.
    /// </summary>
    public static PipelineStage StageOf(CustomResourceSnapshot? ingestor, CustomResourceSnapshot? job)
    {
        if (IsActive(job))
        {
            return PipelineStage.SparkJob;
        }

        if (IsActive(ingestor))
        {
            return PipelineStage.Ingestor;
        }

        if (IsTerminal(job) || (IsTerminal(ingestor) && ingestor!.ExitCode is not 0))
        {
            return PipelineStage.AfterRun;
        }

        return IsTerminal(ingestor) ? PipelineStage.SparkJob : PipelineStage.StartUp;
    }

    private static bool IsActive(CustomResourceSnapshot? snapshot) =>
        snapshot?.State?.Text is { } state && (state == KnownResourceStates.Running || state == KnownResourceStates.Starting);

    private static bool IsTerminal(CustomResourceSnapshot? snapshot) =>
        snapshot?.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state);

    private static string SignalName(PosixSignal signal) => signal == PosixSignal.SIGINT ? "Ctrl+C" : signal.ToString();

    private static string StagePhrase(PipelineStage stage) => stage switch
    {
        PipelineStage.StartUp => "during start-up",
        PipelineStage.Ingestor => $"during {ResourceNames.Ingestor}",
        PipelineStage.SparkJob => $"during {ResourceNames.Job}",
        _ => "after the run",
    };
}
