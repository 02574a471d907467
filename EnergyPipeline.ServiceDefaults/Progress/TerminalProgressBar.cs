using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

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

    public TerminalProgressBar(IAnsiConsole console, string activity, long? total)
    {
        _latest = new ProgressSample(0, total, TimeSpan.Zero);
        _renderer = new Thread(() => Render(console, activity, total)) { IsBackground = true, Name = "progress bar" };
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

    private void Render(IAnsiConsole console, string activity, long? total) =>
        console.Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn { Width = 20 },
                new PercentageColumn(),
                new FiguresColumn(() => Figures(Volatile.Read(ref _latest))))
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(activity), maxValue: Math.Max(1, total ?? 1));
                task.IsIndeterminate = total is null;
                while (true)
                {
                    var finished = _finished.Wait(Interval);
                    if (total is not null)
                    {
                        task.Value = Math.Min(Volatile.Read(ref _latest).Done, task.MaxValue);
                    }

                    if (finished)
                    {
                        task.StopTask();
                        context.Refresh();
                        return;
                    }
                }
            });

    /// <summary>Short enough to keep the bar on one line of an 80-column terminal (the activity names the unit): <c>1,250/5,000 500/s</c>.</summary>
    public static string Figures(ProgressSample sample) => sample.Total is { } total
        ? string.Create(CultureInfo.InvariantCulture, $"{sample.Done:N0}/{total:N0} {sample.PerSecond:N0}/s")
        : string.Create(CultureInfo.InvariantCulture, $"{sample.Done:N0} {sample.PerSecond:N0}/s");

    private sealed class FiguresColumn(Func<string> figures) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Text(figures());
    }
}
