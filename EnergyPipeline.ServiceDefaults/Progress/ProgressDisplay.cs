using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EnergyPipeline.Progress;

/// <summary>
/// Chooses how progress is shown: a bar on standard error when both standard output and standard error are a
/// terminal, else log lines (under the AppHost, in a pipe or a file), so redirected output never holds a bar and the
/// summary line on standard output stays the last line.
/// </summary>
public static class ProgressDisplay
{
    public static IProgressView ForConsole(string activity, string unit, long? total, ILogger logger) =>
        ShowsBar(Console.IsOutputRedirected, Console.IsErrorRedirected, Environment.GetEnvironmentVariable("TERM"))
            ? new TerminalProgressBar(StandardError(), activity, total)
            : new PlainProgressLog(logger, activity, unit);

    public static bool ShowsBar(bool outputRedirected, bool errorRedirected, string? term) =>
        !outputRedirected && !errorRedirected && !string.Equals(term, "dumb", StringComparison.Ordinal);

    private static IAnsiConsole StandardError() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });
}
