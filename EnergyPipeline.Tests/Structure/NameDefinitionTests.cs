using System.Text.RegularExpressions;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Structure;

/// <summary>
/// The names the AppHost and the services agree on (connection strings, engines) are written once, in ServiceDefaults'
/// PipelineNames; everywhere else the product code uses the constants. A source scan, because the compiler copies a
/// constant's value into every place that uses it.
/// </summary>
public sealed partial class NameDefinitionTests
{
    private const string Definition = "EnergyPipeline.ServiceDefaults/PipelineNames.cs";

    /// <summary>The same words meaning something else, each with what it is.</summary>
    private static readonly string[] OtherMeanings =
    [
        "SetTag(\"messaging.system\", \"kafka\")", // OpenTelemetry's value for Kafka as the messaging system
        "SetTag(\"db.system.name\", \"spark\")", // OpenTelemetry's value for Spark as the database system
        "HadoopUser = \"spark\"", // the Spark image's Unix user
        ".WithArgs(\"hdfs\", ", // the hdfs command of the Hadoop image
        "\"containers\", \"spark\"", // the folder containers/spark
    ];

    [Fact]
    public void Connection_and_engine_names_are_literals_only_in_pipeline_names()
    {
        var literals = ProductSources()
            .SelectMany(file => File.ReadLines(RepositoryFiles.PathOf(file)).Select((line, index) => (file, line, number: index + 1)))
            .Where(l => SharedName().IsMatch(l.line))
            .ToList();

        Assert.Contains(literals, l => l.file == Definition);
        var elsewhere = literals.Where(l => l.file != Definition && !OtherMeanings.Any(m => l.line.Contains(m, StringComparison.Ordinal))).ToList();
        Assert.True(elsewhere.Count == 0, "Use PipelineNames instead of:\n" + string.Join("\n", elsewhere.Select(l => $"{l.file}:{l.number}: {l.line.Trim()}")));
    }

    private static IEnumerable<string> ProductSources() =>
        TrackedFiles.All.Where(f => f.EndsWith(".cs", StringComparison.Ordinal) && ProductAssemblies.Names.Any(p => f.StartsWith(p + "/", StringComparison.Ordinal)));

    [GeneratedRegex("\"(kafka|energy_db|spark|hdfs|local)\"")]
    private static partial Regex SharedName();
}
