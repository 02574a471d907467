using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Progress;

/// <summary>
/// Progress as log lines, for output that is not a terminal (under the AppHost, redirected): a line at each further
/// tenth of the total, or after <see cref="QuietPeriod"/> without one, and a last line when the work is done.
/// </summary>
public sealed partial class PlainProgressLog(ILogger logger, string activity, string unit) : IProgressView
{
    /// <summary>The longest time without a line while the work goes on.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(10);

    private int _tenthsLogged;
    private TimeSpan _lastLine;

    public TimeSpan Interval => TimeSpan.FromSeconds(1);

    public void Show(ProgressSample sample)
    {
        var tenths = sample.Percent is { } percent ? (int)(percent / 10) : 0;
        if (tenths > _tenthsLogged || sample.Elapsed - _lastLine >= QuietPeriod)
        {
            _tenthsLogged = Math.Max(_tenthsLogged, tenths);
            _lastLine = sample.Elapsed;
            LogProgress(activity, sample.Describe(unit));
        }
    }

    public void Finish(ProgressSample sample, bool completed)
    {
        if (completed)
        {
            LogDone(activity, sample.Describe(unit), sample.Elapsed.TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Activity}: {Progress}")]
    private partial void LogProgress(string activity, string progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Activity} done: {Progress} in {Seconds:F1} s")]
    private partial void LogDone(string activity, string progress, double seconds);
}
