using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.Tests.Structure;

/// <summary>
/// One ActivitySource (and one static Meter) per name across the solution: two sources of one name would split one
/// service's spans between two objects that must be kept alike. Every name is under the prefix the service defaults
/// subscribe to, so none is silently dropped.
/// </summary>
public sealed class TelemetrySourceTests
{
    [Fact]
    public void Each_activity_source_name_is_created_once_under_the_subscribed_prefix()
    {
        var sources = StaticValues<ActivitySource>().Select(s => (s.Owner, s.Value.Name)).ToList();

        Assert.Contains(sources, s => s.Name == "EnergyPipeline.SparkJob");
        Assert.Contains(sources, s => s.Name == "EnergyPipeline.Ingestor");
        AssertUniqueUnderPrefix(sources);
    }

    [Fact]
    public void Each_static_meter_name_is_created_once_under_the_subscribed_prefix()
    {
        var meters = StaticValues<Meter>().Select(m => (m.Owner, m.Value.Name)).ToList();

        Assert.Contains(meters, m => m.Name == "EnergyPipeline.SparkJob");
        AssertUniqueUnderPrefix(meters);
    }

    private static void AssertUniqueUnderPrefix(List<(string Owner, string Name)> created)
    {
        foreach (var group in created.GroupBy(c => c.Name))
        {
            Assert.True(group.Count() == 1, $"'{group.Key}' is created by {string.Join(" and ", group.Select(g => g.Owner))}");
            Assert.StartsWith(ServiceDefaultsExtensions.TelemetryPrefix, group.Key, StringComparison.Ordinal);
        }
    }

    /// <summary>Every static field of type <typeparamref name="T"/> in the product assemblies, with the type that owns it.</summary>
    private static IEnumerable<(string Owner, T Value)> StaticValues<T>() =>
        ProductAssemblies.All
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.ContainsGenericParameters)
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => f.FieldType == typeof(T))
            .Select(f => ($"{f.DeclaringType!.FullName}.{f.Name}", (T)f.GetValue(null)!));
}
