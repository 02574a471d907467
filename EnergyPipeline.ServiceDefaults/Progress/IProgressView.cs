namespace EnergyPipeline.Progress;

/// <summary>Where a <see cref="ProgressReporter"/> shows its samples: a live bar on a terminal, or log lines.</summary>
public interface IProgressView
{
    /// <summary>How often the reporter samples for this view.</summary>
    TimeSpan Interval { get; }

    void Show(ProgressSample sample);

    /// <summary>The last sample; <paramref name="completed"/> is false when the work stopped early (the error is reported elsewhere).</summary>
    void Finish(ProgressSample sample, bool completed);
}
