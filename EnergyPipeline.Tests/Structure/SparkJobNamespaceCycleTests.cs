using EnergyPipeline.SparkJob;

namespace EnergyPipeline.Tests.Structure;

/// <summary>
/// The job's namespaces form layers: no namespace of EnergyPipeline.SparkJob depends, through any chain of compiled
/// type references, on one that depends on it.
/// </summary>
public sealed class SparkJobNamespaceCycleTests
{
    private const string Root = "EnergyPipeline.SparkJob";

    private static readonly Lazy<NamespaceGraph> Graph = new(() => NamespaceGraph.Of(typeof(JobProgram).Assembly.Location, Root));

    [Fact]
    public void No_namespace_of_the_job_depends_on_itself_through_others()
    {
        var cycles = Graph.Value.Cycles();

        Assert.True(cycles.Count == 0, "Namespace cycles in EnergyPipeline.SparkJob:\n" + string.Join("\n", cycles.Select(Describe)));
    }

    [Fact]
    public void The_graph_sees_the_references_the_job_is_built_from()
    {
        // Known edges, so an empty graph cannot pass the cycle test: a method body, a field, a signature, a base interface.
        Assert.True(Graph.Value.HasEdge(Root, $"{Root}.Orchestration"), "JobProgram resolves JobRunner");
        Assert.True(Graph.Value.HasEdge($"{Root}.Orchestration", $"{Root}.Storage"), "JobRunner holds a QuarterlyStore");
        Assert.True(Graph.Value.HasEdge($"{Root}.Local", $"{Root}.Runs"), "LocalEngine implements IJobEngine");
        Assert.True(Graph.Value.HasEdge($"{Root}.Spark", $"{Root}.SparkConnect"), "the plan runner opens a Spark Connect session");
    }

    private static string Describe(List<string> group)
    {
        var members = group.ToHashSet(StringComparer.Ordinal);
        var edges = group.SelectMany(from => group.Where(to => Graph.Value.HasEdge(from, to)).Select(to => $"  {from} -> {to} ({Graph.Value.Example(from, to)})"));
        return $"{string.Join(", ", members.Order(StringComparer.Ordinal))}:\n{string.Join("\n", edges)}";
    }
}
