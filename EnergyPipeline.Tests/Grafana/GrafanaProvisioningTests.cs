using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace EnergyPipeline.Tests.Grafana;

/// <summary>The files Grafana is provisioned from parse, agree with each other and with what the AppHost gives the container.</summary>
public sealed partial class GrafanaProvisioningTests
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
    public async Task Every_variable_the_provisioning_uses_is_set_on_the_grafana_container()
    {
        var env = await AppModel.EnvironmentAsync(AppModel.Build().AllocateEndpoints().Resource("grafana"));
        var values = GrafanaFiles.Yaml(GrafanaFiles.DataSourceFile).AllNodes.OfType<YamlScalarNode>().Select(n => n.Value ?? "");
        var used = values.SelectMany(v => VariablePattern().Matches(v)).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.Equal(["ENERGY_DB_HOST", "ENERGY_DB_NAME", "ENERGY_DB_PASSWORD", "ENERGY_DB_PORT", "ENERGY_DB_SSLMODE", "ENERGY_DB_USER"], used.Order(StringComparer.Ordinal));
        Assert.All(used, name => Assert.False(string.IsNullOrEmpty(env[name]), name));
    }

    [Fact]
    public async Task The_dashboard_provider_reads_the_mounted_dashboards_and_the_home_dashboard_is_among_them()
    {
        var model = AppModel.Build();
        var grafana = model.Resource("grafana");
        var mounts = grafana.Annotations.OfType<ContainerMountAnnotation>().Where(m => m.Type == ContainerMountType.BindMount).ToList();
        var provider = (YamlMappingNode)Assert.Single(((YamlSequenceNode)GrafanaFiles.Yaml(GrafanaFiles.DashboardProviderFile).Children[new YamlScalarNode("providers")]).Children);
        var dashboardsPath = GrafanaFiles.Scalar(provider, "options", "path");

        var dashboardsMount = Assert.Single(mounts, m => m.Target == dashboardsPath);
        // The AppHost resolves containers/grafana beside its own directory (the test binaries' here).
        Assert.EndsWith(Path.Combine("containers", "grafana", "dashboards"), Path.GetFullPath(dashboardsMount.Source!), StringComparison.Ordinal);
        var provisioningMount = Assert.Single(mounts, m => m.Target == "/etc/grafana/provisioning");
        Assert.EndsWith(Path.Combine("containers", "grafana", "provisioning"), Path.GetFullPath(provisioningMount.Source!), StringComparison.Ordinal);
        Assert.All(mounts, m => Assert.True(m.IsReadOnly));
        Assert.Equal("file", GrafanaFiles.Scalar(provider, "type"));
        Assert.Equal($"{dashboardsPath}/{Path.GetFileName(GrafanaFiles.DashboardFile)}", (await AppModel.EnvironmentAsync(grafana))["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]);
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

    [GeneratedRegex(@"\$\{([A-Z_]+)\}")]
    private static partial Regex VariablePattern();
}
