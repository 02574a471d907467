using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Progress;

/// <summary>
/// Samples a counter on a timer and shows it (<see cref="IProgressView"/>), so the loop doing the work only bumps
/// its counter. <see cref="Complete"/> shows the final figures; disposing without it means the work stopped early.
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private readonly Func<long> _done;
    private readonly long? _total;
    private readonly IProgressView _view;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private bool _finished;

    /// <param name="total">How many items there are, when known before the work starts (null: unknown).</param>
    /// <param name="done">Reads the counter the work bumps; called on the timer's thread.</param>
    public ProgressReporter(long? total, Func<long> done, IProgressView view, TimeProvider? time = null)
    {
        _total = total;
        _done = done;
        _view = view;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        _timer = _time.CreateTimer(_ => Tick(), null, view.Interval, view.Interval);
    }

    /// <summary>Starts reporting on the console: a bar on standard error in a terminal, else log lines (<see cref="ProgressDisplay"/>).</summary>
    public static ProgressReporter Start(string activity, string unit, long? total, Func<long> done, ILogger logger) =>
        new(total, done, ProgressDisplay.ForConsole(activity, unit, total, logger));

    public ProgressSample Sample() => new(_done(), _total, _time.GetElapsedTime(_started));

    /// <summary>The work is done: shows the final figures once.</summary>
    public void Complete() => Finish(completed: true);

    public void Dispose() => Finish(completed: false);

    private void Tick()
    {
        lock (_gate)
        {
            if (!_finished)
            {
                _view.Show(Sample());
            }
        }
    }

    private void Finish(bool completed)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            _timer.Dispose();
            _view.Finish(Sample(), completed);
        }
    }
}
