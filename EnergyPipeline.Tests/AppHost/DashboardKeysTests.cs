using EnergyPipeline.AppHost.Pipeline;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>The dashboard's keys stay those of the AppHost's start when its user secrets file changes mid-run.</summary>
public sealed class DashboardKeysTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dashboard-keys-").FullName;

    [Fact]
    public void A_rewritten_secrets_file_does_not_change_the_keys_of_a_running_apphost()
    {
        var secrets = Path.Combine(_directory, "secrets.json");
        File.WriteAllText(secrets, """{ "AppHost:OtlpApiKey": "key-at-start", "AppHost:DashboardApiKey": "api-at-start" }""");
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile(secrets, optional: false, reloadOnChange: false);

        DashboardKeys.PinForThisRun(configuration, configuration);
        File.WriteAllText(secrets, """{ "AppHost:OtlpApiKey": "written-by-another-apphost", "AppHost:DashboardApiKey": "other" }""");
        ((IConfigurationRoot)configuration).Reload();

        Assert.Equal("key-at-start", configuration["AppHost:OtlpApiKey"]);
        Assert.Equal("api-at-start", configuration["AppHost:DashboardApiKey"]);
    }

    [Fact]
    public void Without_keys_nothing_is_pinned_and_a_later_key_is_read()
    {
        var secrets = Path.Combine(_directory, "secrets.json");
        File.WriteAllText(secrets, "{}");
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile(secrets, optional: false, reloadOnChange: false);

        DashboardKeys.PinForThisRun(configuration, configuration);
        File.WriteAllText(secrets, """{ "AppHost:OtlpApiKey": "written-later" }""");
        ((IConfigurationRoot)configuration).Reload();

        Assert.Equal("written-later", configuration["AppHost:OtlpApiKey"]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
