using Spectre.Console;

namespace EnergyPipeline.Progress;

/// <summary>
/// A live bar drawn by Spectre.Console on <paramref name="console"/> (standard error: standard output carries the
/// summary line). The bar is redrawn on its own thread from the latest sample; an unknown total shows a moving bar.
/// </summary>
public sealed class TerminalProgressBar : IProgressView
{
    private readonly ManualResetEventSlim _finished = new();
    private readonly Thread _renderer;
    private ProgressSample _latest;

    public TerminalProgressBar(IAnsiConsole console, string activity, string unit, long? total)
    {
        _latest = new ProgressSample(0, total, TimeSpan.Zero);
        _renderer = new Thread(() => Render(console, activity, unit, total)) { IsBackground = true, Name = "progress bar" };
        _renderer.Start();
    }

    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public void Show(ProgressSample sample) => Volatile.Write(ref _latest, sample);

    public void Finish(ProgressSample sample, bool completed)
    {
        Volatile.Write(ref _latest, sample);
        _finished.Set();
        _renderer.Join(TimeSpan.FromSeconds(2));
    }

    private void Render(IAnsiConsole console, string activity, string unit, long? total) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(activity), maxValue: Math.Max(1, total ?? 1));
                task.IsIndeterminate = total is null;
                while (true)
                {
                    var finished = _finished.Wait(Interval);
                    var sample = Volatile.Read(ref _latest);
                    task.Description = Markup.Escape($"{activity}: {sample.Describe(unit)}");
                    if (total is not null)
                    {
                        task.Value = Math.Min(sample.Done, task.MaxValue);
                    }

                    if (finished)
                    {
                        task.StopTask();
                        context.Refresh();
                        return;
                    }
                }
            });
}
