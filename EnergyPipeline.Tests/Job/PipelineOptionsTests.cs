using EnergyPipeline.SparkJob;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.Job;

public sealed class PipelineOptionsTests
{
    private static PipelineOptions Read(params (string Key, string Value)[] settings) =>
        PipelineOptions.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Durations_given_as_a_bare_number_are_seconds_not_days()
    {
        var options = Read(("Pipeline:ReadStallTimeout", "5"), ("Pipeline:ConnectTimeout", "7"));

        Assert.Equal(TimeSpan.FromSeconds(5), options.KafkaReadStallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), options.StartConnectTimeout);
    }

    [Fact]
    public void Unset_durations_take_their_defaults()
    {
        var options = Read();

        Assert.Equal(TimeSpan.FromSeconds(60), options.KafkaReadStallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.StartConnectTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("soon")]
    public void A_read_stall_timeout_that_is_not_a_positive_duration_is_a_configuration_error(string value)
    {
        var error = Assert.Throws<JobConfigurationException>(() => Read(("Pipeline:ReadStallTimeout", value)));

        Assert.Contains("Pipeline:ReadStallTimeout", error.Message, StringComparison.Ordinal);
    }
}
