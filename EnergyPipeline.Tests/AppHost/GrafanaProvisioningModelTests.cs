using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.Tests.Grafana;
using YamlDotNet.RepresentationModel;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>What the AppHost gives the Grafana container agrees with the files Grafana is provisioned from.</summary>
public sealed partial class GrafanaProvisioningModelTests
{
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

    [GeneratedRegex(@"\$\{([A-Z_]+)\}")]
    private static partial Regex VariablePattern();
}
