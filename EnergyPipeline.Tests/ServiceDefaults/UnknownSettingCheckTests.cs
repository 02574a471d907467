using EnergyPipeline.Settings;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>The check that turns a key a program would ignore into an error naming where it was set and the closest known key.</summary>
public sealed class UnknownSettingCheckTests
{
    private static readonly SettingsList Settings = new(
        new("Pipeline:Topic", "t", "The topic."),
        new("Pipeline:Spark:RawZonePath", "/raw", "The raw zone."),
        new("Aspire:Client:Config:NAME", SettingDescriptor.None, "A client property."));

    private static readonly UnknownSettingCheck Check = new(
        Settings, ["Pipeline", "Aspire"], new ClientSettingsShape("Aspire:Client", "db", typeof(ClientSettings)));

    [Theory]
    [InlineData("Pipeline:Topic")]
    [InlineData("pipeline:TOPIC")]
    [InlineData("Pipeline:Spark:RawZonePath")]
    [InlineData("Aspire:Client:Config:linger.ms")]
    [InlineData("Aspire:Client:db:Config:fetch.max.bytes")]
    [InlineData("Aspire:Client:Enabled")]
    [InlineData("Aspire:Client:db:Enabled")]
    [InlineData("Logging:LogLevel:Default")]
    [InlineData("Ingestor:Anything")]
    [InlineData("Pipelines:Topic")]
    public void A_listed_key_a_key_of_the_client_s_shape_and_a_key_outside_the_checked_sections_pass(string key) =>
        Assert.Null(Check.Describe(CommandLine($"--{key}=1")));

    [Theory]
    [InlineData("Pipeline:Topc", "Pipeline:Topic")]
    [InlineData("Pipeline:Spark", "Pipeline:Topic")]
    [InlineData("Aspire:Client:Confg:linger.ms", "Aspire:Client:Config:linger.ms")]
    [InlineData("Aspire:Client:dbx:Enabled", "Aspire:Client:db:Enabled")]
    [InlineData("Aspire:Client:Name", "Aspire:Client:Enabled")]
    [InlineData("Aspire:Other:Enabled", "Aspire:Client:Enabled")]
    public void Any_other_key_of_a_checked_section_is_named_with_the_closest_known_key(string key, string closest) =>
        Assert.Equal($"Unknown setting '{key}' (command line): did you mean '{closest}'?", Check.Describe(CommandLine($"--{key}=1")));

    [Theory]
    [InlineData("Aspire:Client:Config")]
    [InlineData("Pipeline:Spark:RawZonePath:Extra")]
    public void A_section_of_the_shape_holds_no_value_of_its_own_and_a_computed_property_is_not_a_setting(string key) =>
        Assert.StartsWith($"Unknown setting '{key}' (command line): did you mean", Check.Describe(CommandLine($"--{key}=1")), StringComparison.Ordinal);

    [Fact]
    public void Each_unknown_key_is_named_once_with_the_source_that_set_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"energy-settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"Pipeline": {"Tpoic": "x"}}""");
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(file)
                .AddInMemoryCollection([new("Pipeline:RawZonePath", "/raw")])
                .AddCommandLine(["--Pipeline:Topc=a", "--Pipeline:Topc=b"])
                .Build();

            Assert.Equal(
                $"Unknown setting 'Pipeline:Tpoic' ({Path.GetFileName(file)}): did you mean 'Pipeline:Topic'? " +
                "Unknown setting 'Pipeline:RawZonePath' (configuration): did you mean 'Pipeline:Spark:RawZonePath'? " +
                "Unknown setting 'Pipeline:Topc' (command line): did you mean 'Pipeline:Topic'?",
                Check.Describe(configuration));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IConfigurationRoot CommandLine(params string[] args) => new ConfigurationBuilder().AddCommandLine(args).Build();

    private sealed class ClientSettings
    {
        public bool Enabled { get; set; }

        public Dictionary<string, string> Config { get; } = [];

        public string Name => "computed";
    }
}
