using YamlDotNet.RepresentationModel;

namespace EnergyPipeline.Tests.Grafana;

/// <summary>The files Grafana is provisioned from parse and agree with each other (the container's side: GrafanaProvisioningModelTests).</summary>
public sealed class GrafanaProvisioningTests
{
    private const string DataSourceUid = "energy-db";

    [Fact]
    public void The_data_source_is_postgresql_on_energy_db_entirely_from_the_environment()
    {
        var root = GrafanaFiles.Yaml(GrafanaFiles.DataSourceFile);
        var source = (YamlMappingNode)Assert.Single(((YamlSequenceNode)root.Children[new YamlScalarNode("datasources")]).Children);

        Assert.Equal("1", GrafanaFiles.Scalar(root, "apiVersion"));
        Assert.Equal(DataSourceUid, GrafanaFiles.Scalar(source, "uid"));
        Assert.Equal("grafana-postgresql-datasource", GrafanaFiles.Scalar(source, "type"));
        Assert.Equal("${ENERGY_DB_HOST}:${ENERGY_DB_PORT}", GrafanaFiles.Scalar(source, "url"));
        Assert.Equal("${ENERGY_DB_USER}", GrafanaFiles.Scalar(source, "user"));
        Assert.Equal("${ENERGY_DB_NAME}", GrafanaFiles.Scalar(source, "jsonData", "database"));
        Assert.Equal("${ENERGY_DB_PASSWORD}", GrafanaFiles.Scalar(source, "secureJsonData", "password"));
    }

    [Fact]
    public void The_dashboard_has_the_panels_people_asked_for_each_on_the_provisioned_data_source()
    {
        var dashboard = GrafanaFiles.Dashboard();
        var panels = dashboard.GetProperty("panels").EnumerateArray().ToList();

        Assert.Equal("Household energy by quarter", dashboard.GetProperty("title").GetString());
        Assert.Equal("household-energy", dashboard.GetProperty("uid").GetString());
        Assert.Equal(
            [("Total energy per quarter (kWh)", "barchart"), ("Sub-metering and unmetered energy per quarter (kWh)", "barchart"),
             ("Average and peak active power (kW)", "barchart"), ("Missing readings per quarter", "barchart"), ("Recent runs", "table")],
            panels.Select(p => (p.GetProperty("title").GetString()!, p.GetProperty("type").GetString()!)));
        Assert.Equal("normal", panels[1].GetProperty("options").GetProperty("stacking").GetString());
        foreach (var panel in panels)
        {
            Assert.Equal(DataSourceUid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            var target = Assert.Single(panel.GetProperty("targets").EnumerateArray());
            Assert.Equal(DataSourceUid, target.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.Equal("table", target.GetProperty("format").GetString());
            Assert.Equal(panel.GetProperty("id").GetInt32(), panels.IndexOf(panel) + 1);
        }
    }
}
