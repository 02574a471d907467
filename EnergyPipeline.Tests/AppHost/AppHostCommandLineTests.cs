using System.Reflection;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The AppHost's own command line, as a user runs its built program: its version, and a key under Pipeline: or
/// Ingestor: that nothing reads stops it at once (exit code 2) instead of being ignored.
/// </summary>
public sealed class AppHostCommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Version_prints_the_apphost_s_version()
    {
        var result = await ChildProcess.RunProjectAsync("EnergyPipeline.AppHost", Timeout, "--version");

        var version = typeof(AppHostSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal((0, $"EnergyPipeline.AppHost {version}\n"), (result.ExitCode, result.Output));
    }

    [Fact]
    public async Task A_misspelt_key_on_the_command_line_exits_2_naming_the_closest_known_key()
    {
        var result = await ChildProcess.RunProjectAsync("EnergyPipeline.AppHost", Timeout, "--Pipeline:Infrastucture=embeded");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error: Unknown setting 'Pipeline:Infrastucture' (command line): did you mean 'Pipeline:Infrastructure'? (--help lists the settings)",
            result.Errors.TrimEnd('\n'));
    }

    [Fact]
    public async Task In_the_environment_the_services_keys_pass_and_a_misspelt_key_is_named()
    {
        var appHost = Path.Combine(ChildProcess.ProjectOutput("EnergyPipeline.AppHost"), "EnergyPipeline.AppHost.dll");
        string[] forTheServices = ["Pipeline__ConnectTimeout=3", "Pipeline__Spark__RawZonePath=/raw", "Ingestor__Topic=raw_energy", "Ingestor__MessageTimeoutMs=1000"];

        var misspelt = await ChildProcess.RunAsync("env", [.. forTheServices, "Ingestor__Fiel=/data/x.txt", "dotnet", appHost], Timeout);
        // The keys pass: what stops it is the value of a key it reads, checked next.
        var known = await ChildProcess.RunAsync("env", [.. forTheServices, "dotnet", appHost, "--Pipeline:Infrastructure=nowhere"], Timeout);

        Assert.Equal(2, misspelt.ExitCode);
        Assert.Equal(
            "error: Unknown setting 'Ingestor:Fiel' (environment variable Ingestor__Fiel): did you mean 'Ingestor:File'? (--help lists the settings)",
            misspelt.Errors.TrimEnd('\n'));
        Assert.Equal(2, known.ExitCode);
        Assert.StartsWith("error: Pipeline:Infrastructure is 'nowhere'", known.Errors, StringComparison.Ordinal);
    }
}
