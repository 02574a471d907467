using EnergyPipeline.AppHost;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>The AppHost's settings list is the one its help prints, the docs show, and its code reads.</summary>
public sealed class AppHostSettingsTests
{
    [Fact]
    public void Help_prints_every_listed_setting_with_its_default() =>
        SettingsChecks.AssertHelpPrintsEvery(AppHostSettings.All, AppHostHelp.Text);

    [Fact]
    public void Every_configuration_key_in_the_apphost_s_code_is_listed()
    {
        var keys = SettingsChecks.KeyConstants(typeof(EnergyPipelineModel).Assembly, "Pipeline", "Ingestor", "ConnectionStrings", "Parameters");

        Assert.Contains(PipelineShape.InfrastructureSetting, keys);
        Assert.All(keys, key => Assert.True(AppHostSettings.All.Contains(key), $"{key} is read by the AppHost but not in AppHostSettings"));
        Assert.True(AppHostSettings.All.Contains(ContainerRuntime.Setting));
    }

    [Fact]
    public void The_listed_defaults_are_what_the_apphost_uses_when_nothing_is_set()
    {
        var empty = new ConfigurationBuilder().Build();

        Assert.Equal(Default(PipelineShape.EngineSetting), PipelineShape.Resolve(empty, isRunMode: true).Engine.Name());
        Assert.Equal(Default(ContainerRuntime.Setting), ContainerRuntime.Name(empty));
        Assert.Equal(Default(PipelineShape.InfrastructureSetting), nameof(PipelineInfrastructure.Auto).ToLowerInvariant());
    }

    [Fact]
    public void The_docs_table_is_the_list() => SettingsChecks.AssertDocumentTableIs("apphost", AppHostSettings.All);

    private static string Default(string key) => AppHostSettings.All.Find(key)!.Default;
}
