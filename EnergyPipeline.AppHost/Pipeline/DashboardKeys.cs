using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Keeps the dashboard's keys for the whole run. Aspire reads them from the AppHost's user secrets (writing new ones
/// there when absent), and user secrets reload when their file changes: another AppHost or test of this project
/// rewriting that file mid-run would give the resources started afterwards a different OTLP key than the dashboard
/// got, and the dashboard answers their telemetry with 401 (seen: a job whose spans, logs and metrics never arrived).
/// </summary>
public static class DashboardKeys
{
    public static readonly string[] Settings = ["AppHost:OtlpApiKey", "AppHost:DashboardApiKey"];

    /// <summary>Copies the keys' current values into a source added last, so no reload of an earlier one changes them.</summary>
    public static void PinForThisRun(IConfigurationBuilder configuration, IConfiguration current)
    {
        var values = Settings.Where(s => current[s] is not null).ToDictionary(s => s, s => current[s]);
        if (values.Count > 0)
        {
            configuration.AddInMemoryCollection(values);
        }
    }
}
