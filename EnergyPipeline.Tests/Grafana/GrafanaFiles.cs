using System.Text.Json;
using EnergyPipeline.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace EnergyPipeline.Tests.Grafana;

/// <summary>The provisioning files of <c>containers/grafana</c>, parsed as Grafana reads them (YAML, dashboard JSON).</summary>
internal static class GrafanaFiles
{
    public static string Directory => RepositoryFiles.PathOf("containers", "grafana");

    public static string DataSourceFile => Path.Combine(Directory, "provisioning", "datasources", "energy-db.yaml");

    public static string DashboardProviderFile => Path.Combine(Directory, "provisioning", "dashboards", "energy-pipeline.yaml");

    public static string DashboardFile => Path.Combine(Directory, "dashboards", "household-energy-by-quarter.json");

    public static YamlMappingNode Yaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    public static JsonElement Dashboard()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        return document.RootElement.Clone();
    }

    /// <summary>Each panel's title and its one query's SQL, in panel order.</summary>
    public static IReadOnlyList<(string Title, string Sql)> PanelQueries() =>
        Dashboard().GetProperty("panels").EnumerateArray()
            .Select(p => (p.GetProperty("title").GetString()!, Assert.Single(p.GetProperty("targets").EnumerateArray()).GetProperty("rawSql").GetString()!))
            .ToList();

    public static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return ((YamlScalarNode)node).Value!;
    }
}
