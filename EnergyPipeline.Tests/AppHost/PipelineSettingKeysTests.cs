using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Settings;
using EnergyPipeline.SparkJob;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// What the programs accept in the environment they share is exactly what the three of them read: a key added to one
/// program's list and not here would make the others refuse the variable the AppHost's services inherit.
/// </summary>
public sealed class PipelineSettingKeysTests
{
    [Fact]
    public void The_shared_keys_are_exactly_the_three_lists_keys_under_Pipeline_and_Ingestor()
    {
        var read = AppHostSettings.All.Concat(IngestorSettings.All).Concat(JobSettings.All)
            .Select(s => s.Key)
            .Where(k => k.StartsWith("Pipeline:", StringComparison.Ordinal) || k.StartsWith("Ingestor:", StringComparison.Ordinal))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal);

        Assert.Equal(read, PipelineSettingKeys.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_client_sections_are_those_the_services_register() =>
        Assert.Equal(
            [KafkaClientRegistration.ProducerSettingsShape("kafka").Section, KafkaClientRegistration.ConsumerSettingsShape("kafka").Section, JobSettings.NpgsqlSection],
            PipelineSettingKeys.ClientSections);
}
