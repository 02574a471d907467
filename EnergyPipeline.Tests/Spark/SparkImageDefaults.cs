using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Spark;

/// <summary><c>containers/spark/spark-defaults.conf</c> as Spark reads it: one <c>key value</c> per line, <c>#</c> comments.</summary>
internal static class SparkImageDefaults
{
    public static IReadOnlyDictionary<string, string> Read() =>
        File.ReadAllLines(RepositoryFiles.PathOf("containers", "spark", "spark-defaults.conf"))
            .Select(line => line.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2 && !parts[0].StartsWith('#'))
            .ToDictionary(parts => parts[0], parts => parts[1]);
}
