using EnergyPipeline.Settings;

namespace EnergyPipeline.Tests.ServiceDefaults;

/// <summary>The <c>--Section:Key=value</c> pass-through both services' command lines share.</summary>
public sealed class ConfigurationArgumentsTests
{
    [Fact]
    public void Both_forms_pass_and_a_key_without_equals_takes_the_next_token_as_its_value()
    {
        var (passthrough, rejected) = ConfigurationArguments.Collect(["--Pipeline:Topic=t", "--Pipeline:Engine", "local", "--A:B", "--C:D=1"]);

        Assert.Equal(["--Pipeline:Topic=t", "--Pipeline:Engine", "local", "--A:B", "--C:D=1"], passthrough);
        Assert.Null(rejected);
    }

    [Theory]
    [InlineData("--fiel")]
    [InlineData("data.txt")]
    [InlineData("-x:y")]
    public void The_first_token_that_is_no_configuration_key_is_rejected_and_keeps_its_neighbour(string token)
    {
        var (passthrough, rejected) = ConfigurationArguments.Collect(["--A:B=1", token, "next"]);

        Assert.Equal(["--A:B=1"], passthrough);
        Assert.Equal(token, rejected);
    }
}
