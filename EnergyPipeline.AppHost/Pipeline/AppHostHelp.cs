namespace EnergyPipeline.AppHost.Pipeline;

/// <summary><c>--help</c>, <c>-h</c> or <c>help</c>: the command and the settings the AppHost reads.</summary>
public static class AppHostHelp
{
    public static readonly string Text = $"""
        Usage: dotnet run --project EnergyPipeline.AppHost [-- --Section:Key=value ...]

        Runs the pipeline (UCI household power file -> ingestor -> Kafka raw_energy -> job -> PostgreSQL
        quarterly_energy_data) with the Aspire dashboard. Settings come from appsettings.json, environment variables
        (Section__Key) or the command line (--Section:Key=value).

        {AppHostSettings.All.HelpTable()}

        Exit codes: 0 stopped normally, 1 cannot run here (message says why), 2 configuration error.

        """;

    public static bool IsRequested(IReadOnlyList<string> args) =>
        args.Any(a => a is "--help" or "-h" or "-?" or "help");
}
