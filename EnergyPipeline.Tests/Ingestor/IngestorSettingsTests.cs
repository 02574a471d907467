using System.Globalization;
using System.Reflection;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>The ingestor's settings list is the one its help prints, the docs show, and its options bind.</summary>
public sealed class IngestorSettingsTests
{
    [Fact]
    public async Task Help_prints_every_listed_setting_with_its_default()
    {
        var (code, output, _) = await IngestorCli.RunAsync("--help");

        Assert.Equal(0, code);
        SettingsChecks.AssertHelpPrintsEvery(IngestorSettings.All, output);
    }

    [Fact]
    public void Every_property_of_the_ingestor_section_is_listed_with_the_code_s_default()
    {
        var defaults = new IngestorOptions();
        var bound = typeof(IngestorOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();

        Assert.Contains(bound, p => p.Name == nameof(IngestorOptions.MessageTimeoutMs));
        Assert.All(bound, property =>
        {
            var setting = IngestorSettings.All.Find($"{IngestorOptions.Section}:{property.Name}");
            Assert.True(setting is not null, $"Ingestor:{property.Name} is bound but not in IngestorSettings");
            if (property.GetValue(defaults) is int or short or string { Length: < 20 } and not null)
            {
                Assert.Equal(Convert.ToString(property.GetValue(defaults), CultureInfo.InvariantCulture), setting.Default);
            }
        });
    }

    [Fact]
    public void Every_configuration_key_in_the_ingestor_s_code_is_listed()
    {
        var keys = SettingsChecks.KeyConstants(typeof(IngestorOptions).Assembly, "Ingestor", "ConnectionStrings");

        Assert.All(keys, key => Assert.True(IngestorSettings.All.Contains(key), $"{key} is read by the ingestor but not in IngestorSettings"));
    }

    [Fact]
    public void The_docs_table_is_the_list() => SettingsChecks.AssertDocumentTableIs("ingestor", IngestorSettings.All);
}
