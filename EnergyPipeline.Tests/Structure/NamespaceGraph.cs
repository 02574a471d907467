using System.Reflection.Metadata;

namespace EnergyPipeline.Tests.Structure;

/// <summary>
/// Which namespaces of an assembly use which others, from the compiled type references (<see cref="TypeReferences"/>),
/// not from <c>using</c> lines: an edge A -> B means code in A refers to a type declared in B.
/// </summary>
internal sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    /// <summary>The namespaces below <paramref name="root"/> (and the root itself) of the assembly, and their edges.</summary>
    public static NamespaceGraph Of(string assemblyPath, string root)
    {
        using var references = new TypeReferences(assemblyPath);
        var graph = new NamespaceGraph();
        foreach (var site in references.Sites())
        {
            var from = references.NamespaceOf(site.Type);
            if (!IsBelow(from, root))
            {
                continue;
            }

            graph._edges.TryAdd(from, new Dictionary<string, string>(StringComparer.Ordinal));
            foreach (var target in site.Referenced.Where(h => h.Kind == HandleKind.TypeDefinition))
            {
                var to = references.NamespaceOf((TypeDefinitionHandle)target);
                if (to != from && IsBelow(to, root))
                {
                    graph._edges[from].TryAdd(to, $"{references.NameOf(site.Type)} uses {references.NameOf(target)}");
                }
            }
        }

        return graph;
    }

    public IEnumerable<string> Namespaces => _edges.Keys;

    public bool HasEdge(string from, string to) => _edges.TryGetValue(from, out var targets) && targets.ContainsKey(to);

    /// <summary>One type reference that makes the edge, for the failure message.</summary>
    public string Example(string from, string to) => _edges[from][to];

    /// <summary>The strongly connected groups of more than one namespace (Tarjan): each is at least one cycle.</summary>
    public List<List<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var lowLink = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var groups = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = lowLink[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in _edges.GetValueOrDefault(node)?.Keys ?? Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    lowLink[node] = Math.Min(lowLink[node], lowLink[next]);
                }
                else if (onStack.Contains(next))
                {
                    lowLink[node] = Math.Min(lowLink[node], index[next]);
                }
            }

            if (lowLink[node] == index[node])
            {
                var group = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    group.Add(member);
                }
                while (member != node);

                if (group.Count > 1)
                {
                    groups.Add(group);
                }
            }
        }

        foreach (var node in _edges.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return groups;
    }

    private static bool IsBelow(string ns, string root) =>
        ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);
}
