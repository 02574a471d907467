using System.Reflection.Metadata;
using System.Text.RegularExpressions;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Structure;

/// <summary>
/// Only the AppHost's tests (EnergyPipeline.Tests/AppHost) use the AppHost's types: the services' tests stand on the
/// services and ServiceDefaults alone, as the services do. Checked twice: in the compiled test assembly (every type
/// reference into the AppHost's assembly, located in its source file through the portable PDB, which also catches the
/// Aspire.Hosting namespace the AppHost's integrations declare), and in the sources (a constant the compiler copied
/// leaves no reference, but its namespace is still named there).
/// </summary>
public sealed partial class AppHostTypeUsageTests
{
    private const string AppHostAssembly = "EnergyPipeline.AppHost";
    private const string AppHostTests = "EnergyPipeline.Tests/AppHost/";

    [Fact]
    public void No_compiled_test_outside_the_apphost_folder_refers_to_an_apphost_type()
    {
        var uses = AppHostTypeUses();

        Assert.Contains(uses, u => u.File == AppHostTests + "AppModel.cs");
        var outside = uses.Where(u => !u.File.StartsWith(AppHostTests, StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(outside.Count == 0, "AppHost types used outside Tests/AppHost:\n" + string.Join("\n", outside.Select(u => $"{u.File}: {u.Type}")));
    }

    [Fact]
    public void No_test_source_outside_the_apphost_folder_names_an_apphost_namespace()
    {
        var named = TrackedFiles.All
            .Where(f => f.StartsWith("EnergyPipeline.Tests/", StringComparison.Ordinal) && f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(RepositoryFiles.PathOf(f)).Select((line, i) => (File: f, Line: line, Number: i + 1)))
            .Where(l => AppHostNamespace().IsMatch(l.Line))
            .ToList();

        Assert.Contains(named, l => l.File.StartsWith(AppHostTests, StringComparison.Ordinal));
        var outside = named.Where(l => !l.File.StartsWith(AppHostTests, StringComparison.Ordinal)).ToList();
        Assert.True(outside.Count == 0, "AppHost namespaces named outside Tests/AppHost:\n" + string.Join("\n", outside.Select(l => $"{l.File}:{l.Number}: {l.Line.Trim()}")));
    }

    /// <summary>Each reference of the test assembly's code into the AppHost assembly, with the source file it is written in.</summary>
    private static List<(string File, string Type)> AppHostTypeUses()
    {
        var assembly = typeof(AppHostTypeUsageTests).Assembly.Location;
        using var references = new TypeReferences(assembly);
        using var pdbStream = File.OpenRead(Path.ChangeExtension(assembly, ".pdb"));
        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(pdbStream);
        var pdb = pdbProvider.GetMetadataReader();
        var sourceFiles = SourceFilesByType(references.Reader, pdb);

        var uses = new List<(string, string)>();
        foreach (var site in references.Sites())
        {
            var appHostTypes = site.Referenced
                .Where(h => h.Kind == HandleKind.TypeReference && references.AssemblyOf((TypeReferenceHandle)h) == AppHostAssembly)
                .Select(references.NameOf)
                .ToList();
            if (appHostTypes.Count == 0)
            {
                continue;
            }

            var files = site.Method is { } method && DocumentOf(pdb, method) is { } document
                ? [document]
                : sourceFiles.GetValueOrDefault(Outermost(references.Reader, site.Type), []);
            Assert.True(files.Count > 0, $"no source file known for {references.NameOf(site.Type)}");
            uses.AddRange(files.SelectMany(f => appHostTypes.Select(t => (f, t))));
        }

        return uses;
    }

    /// <summary>The source files of each outermost type: where its methods and its nested types' methods are written.</summary>
    private static Dictionary<TypeDefinitionHandle, HashSet<string>> SourceFilesByType(MetadataReader assembly, MetadataReader pdb)
    {
        var files = new Dictionary<TypeDefinitionHandle, HashSet<string>>();
        foreach (var typeHandle in assembly.TypeDefinitions)
        {
            foreach (var method in assembly.GetTypeDefinition(typeHandle).GetMethods())
            {
                if (DocumentOf(pdb, method) is { } document)
                {
                    var outermost = Outermost(assembly, typeHandle);
                    files.TryAdd(outermost, []);
                    files[outermost].Add(document);
                }
            }
        }

        return files;
    }

    /// <summary>The repository-relative path of the file a method's code is written in, or null for a method without code there.</summary>
    private static string? DocumentOf(MetadataReader pdb, MethodDefinitionHandle method)
    {
        var debug = pdb.GetMethodDebugInformation(method);
        var document = debug.Document.IsNil
            ? debug.GetSequencePoints().Select(p => p.Document).FirstOrDefault(d => !d.IsNil)
            : debug.Document;
        if (document.IsNil)
        {
            return null;
        }

        var path = Path.GetFullPath(pdb.GetString(pdb.GetDocument(document).Name));
        return path.StartsWith(RepositoryFiles.Root, StringComparison.Ordinal)
            ? Path.GetRelativePath(RepositoryFiles.Root, path).Replace('\\', '/')
            : null;
    }

    private static TypeDefinitionHandle Outermost(MetadataReader reader, TypeDefinitionHandle handle)
    {
        while (reader.GetTypeDefinition(handle).IsNested)
        {
            handle = reader.GetTypeDefinition(handle).GetDeclaringType();
        }

        return handle;
    }

    /// <summary>The namespace in code (a using, a qualified name), not the assembly's name in a string.</summary>
    [GeneratedRegex(@"(?<!"")\bEnergyPipeline\.AppHost\b(?!"")")]
    private static partial Regex AppHostNamespace();
}
