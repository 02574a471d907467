namespace EnergyPipeline.ServiceDefaults.Memory;

/// <summary>
/// Collects the young generation once the loop it sits in has allocated <see cref="BudgetBytes"/> since the last
/// collection. The runtime sizes its gen0 budget from the L3 cache (on this kind of machine, 260 MiB of L3: about
/// 130 MB of gen0 before the first collection), and that budget is resident memory; the knob that lowers it
/// (<c>DOTNET_GCgen0size</c>) is honoured only as an environment variable, not from runtimeconfig.json
/// (BENCHMARKS.md, Kafka ratios, measured). Per message the loops allocate only short-lived objects, so a gen0
/// collection there costs little.
/// </summary>
public sealed class YoungGenerationBound(long budgetBytes = YoungGenerationBound.DefaultBudgetBytes)
{
    public const long DefaultBudgetBytes = 8L * 1024 * 1024;

    /// <summary>Calls between two looks at the allocation counter.</summary>
    private const int CheckEvery = 4096;

    private long _collectAt = GC.GetTotalAllocatedBytes() + budgetBytes;
    private int _calls;

    public long BudgetBytes => budgetBytes;

    /// <summary>Gen0 collections this bound started.</summary>
    public int Collections { get; private set; }

    /// <summary>One unit of the loop's work (a message).</summary>
    public void Tick()
    {
        if (++_calls < CheckEvery)
        {
            return;
        }

        _calls = 0;
        if (GC.GetTotalAllocatedBytes() < _collectAt)
        {
            return;
        }

        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        Collections++;
        _collectAt = GC.GetTotalAllocatedBytes() + budgetBytes;
    }
}
