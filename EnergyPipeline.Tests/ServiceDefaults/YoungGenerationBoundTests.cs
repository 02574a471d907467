using EnergyPipeline.ServiceDefaults.Memory;

namespace EnergyPipeline.Tests.ServiceDefaults;

public sealed class YoungGenerationBoundTests
{
    private const int CallsPerCheck = 4096;

    [Fact]
    public void Collects_gen0_once_the_loop_allocated_its_budget()
    {
        var bound = new YoungGenerationBound(budgetBytes: 1024 * 1024);
        var gen0Before = GC.CollectionCount(0);

        // 4 MiB per check, budget 1 MiB: every check after the first allocation collects.
        for (var check = 0; check < 5; check++)
        {
            Allocate(4 * 1024 * 1024);
            for (var call = 0; call < CallsPerCheck; call++)
            {
                bound.Tick();
            }
        }

        Assert.Equal(5, bound.Collections);
        Assert.True(GC.CollectionCount(0) - gen0Before >= 5);
    }

    [Fact]
    public void Leaves_the_collector_alone_below_its_budget_and_between_checks()
    {
        var bound = new YoungGenerationBound(budgetBytes: long.MaxValue / 2);
        for (var call = 0; call < 3 * CallsPerCheck; call++)
        {
            bound.Tick();
        }

        var small = new YoungGenerationBound(budgetBytes: 1);
        Allocate(1024 * 1024);
        for (var call = 0; call < CallsPerCheck - 1; call++)
        {
            small.Tick();
        }

        Assert.Equal(0, bound.Collections);
        Assert.Equal(0, small.Collections);
        small.Tick();
        Assert.Equal(1, small.Collections);
    }

    private static void Allocate(int bytes)
    {
        for (var i = 0; i < bytes / 1024; i++)
        {
            GC.KeepAlive(new byte[1000]);
        }
    }
}
