using System.Reflection;

namespace EnergyPipeline.Tests.Structure;

/// <summary>The solution's product projects: their compiled assemblies (loaded by name) and their tracked C# sources.</summary>
internal static class ProductAssemblies
{
    public static readonly IReadOnlyList<string> Names =
        ["EnergyPipeline.AppHost", "EnergyPipeline.Ingestor", "EnergyPipeline.ServiceDefaults", "EnergyPipeline.SparkJob"];

    public static IEnumerable<Assembly> All => Names.Select(name => Assembly.Load(name));
}
