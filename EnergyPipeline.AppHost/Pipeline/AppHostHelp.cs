namespace EnergyPipeline.AppHost.Pipeline;

/// <summary><c>--help</c>, <c>-h</c> or <c>help</c>: the command and the settings the AppHost reads.</summary>
public static class AppHostHelp
{
    public static readonly string Text = $"""
        Usage: dotnet run --project EnergyPipeline.AppHost [-- --Section:Key=value ...]

        Runs the pipeline (UCI household power file -> ingestor -> Kafka raw_energy -> job -> PostgreSQL
        quarterly_energy_data) with the Aspire dashboard. Settings come from appsettings.json, environment variables
        (Section__Key) or the command line (--Section:Key=value); a key under Pipeline: or Ingestor: that no program
        of the pipeline reads stops it (exit code 2) naming the closest known key. --version prints the version.

        {AppHostSettings.All.HelpTable()}

        The console shows each service's start, progress and outcome, then the figures as a table and a chart.
        Ctrl+C (or SIGTERM) at any moment stops every service and the embedded servers, with one line.

        Exit codes: 0 stopped normally (with Pipeline:ExitWhenDone: both services succeeded), 1 cannot run here (the
        message says why) or, with Pipeline:ExitWhenDone, a service failed, 2 configuration error, 130 stopped by
        Ctrl+C, 143 stopped by SIGTERM.

        """;

    public static bool IsRequested(IReadOnlyList<string> args) =>
        args.Any(a => a is "--help" or "-h" or "-?" or "help");
}
