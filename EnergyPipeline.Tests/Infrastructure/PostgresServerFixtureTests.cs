using EnergyPipeline.LocalInfrastructure;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>Where neither PostgreSQL binaries nor a container runtime exist, the tests fail at once naming both remedies.</summary>
public sealed class PostgresServerFixtureTests
{
    [Fact]
    public async Task Without_binaries_or_a_container_runtime_the_first_request_fails_naming_both_remedies()
    {
        Assert.SkipWhen(await ContainerRuntime.ProbeAsync("docker", TestContext.Current.CancellationToken) is null,
            "a container runtime answers here: the fixture would start PostgreSQL in a container");
        await using var fixture = new PostgresServerFixture(binDirectory: null);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.CreateDatabaseAsync());

        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains("start Docker", error.Message, StringComparison.Ordinal);
    }
}
