using System.Text;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// Values that look like the writer's own form up to one token: the fast path must hand them to the general path,
/// which refuses them, in both of the contract's entry points.
/// </summary>
public sealed class CanonicalPathEdgeTests
{
    private const string Canonical =
        """{"timestamp":"2006-12-16T17:24:00","global_active_power":4.216,"global_reactive_power":null,"voltage":234.84,"global_intensity":18.4,"sub_metering_1":0,"sub_metering_2":1,"sub_metering_3":17}""";

    [Theory]
    [InlineData("\"global_reactive_power\":null", "\"global_reactive_power\":nope")]
    [InlineData("\"global_reactive_power\":null", "\"global_reactive_power\":nul0")]
    [InlineData("\"voltage\":234.84", "\"voltage\":nan0")]
    public void A_four_letter_token_that_is_not_null_is_invalid(string field, string broken)
    {
        Assert.True(EnergyReadingJson.TryParse(Encoding.UTF8.GetBytes(Canonical), out _, out _));
        var value = Encoding.UTF8.GetBytes(Canonical.Replace(field, broken, StringComparison.Ordinal));

        Assert.False(EnergyReadingJson.TryParse(value, out _, out var error));
        Assert.NotNull(error);
        Assert.Equal(error, ReadingValidator.Check("2006-12-16T17:24:00"u8, value, out _));
    }
}
