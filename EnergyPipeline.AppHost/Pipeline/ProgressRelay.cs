using System.Collections.Concurrent;
using EnergyPipeline.Progress;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Which of a service's progress lines the console repeats: one that reaches a further tenth of the work, or any after
/// <see cref="PlainProgressLog.QuietPeriod"/> without one; so at most one line per tenth and per quiet period.
/// </summary>
public sealed class ProgressRelay(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (int Tenth, DateTimeOffset At)> _shown = new();

    public bool ShouldShow(string service, ProgressLine line)
    {
        var tenth = line.Percent is { } percent ? (int)(percent / 10) : -1;
        var now = time.GetUtcNow();
        var shown = _shown.GetValueOrDefault(service, (Tenth: -1, At: DateTimeOffset.MinValue));
        if (tenth <= shown.Tenth && now - shown.At < PlainProgressLog.QuietPeriod)
        {
            return false;
        }

        _shown[service] = (Math.Max(tenth, shown.Tenth), now);
        return true;
    }

    /// <summary>A new run of the service starts from nothing.</summary>
    public void Reset(string service) => _shown.TryRemove(service, out _);
}
