using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Grafana (grafana/grafana-oss, pinned) provisioned from <c>containers/grafana</c>: a PostgreSQL data source on the
/// energy database, queried as a read-only role, and the dashboard "Household energy by quarter". Anonymous users
/// view; the admin signs in with a secret parameter. Nothing waits for Grafana.
/// </summary>
public static class GrafanaBuilderExtensions
{
    internal const string Image = "grafana/grafana-oss";
    internal const string Tag = "12.4.3";
    internal const int HttpPort = 3000;
    internal const string HttpEndpointName = "http";
    internal const string ProvisioningTarget = "/etc/grafana/provisioning";
    internal const string DashboardsTarget = "/etc/grafana/dashboards";
    internal const string DataTarget = "/var/lib/grafana";
    internal const string DashboardUid = "household-energy";
    internal const string DashboardFile = "household-energy-by-quarter.json";

    /// <summary>The read-only role Grafana logs in as; the job provisions it (<see cref="DatabaseReaderExtensions"/>).</summary>
    internal const string ReaderRole = "grafana_reader";

    public static IResourceBuilder<GrafanaResource> AddGrafana(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<IResourceWithConnectionString> database, string configurationPath)
    {
        var adminPassword = GeneratedSecret.Add(builder, AdminPasswordParameter(name));
        var readerPassword = GeneratedSecret.Add(builder, ReaderPasswordParameter(name));
        var grafana = builder.AddResource(new GrafanaResource(name, adminPassword.Resource, ReaderRole, readerPassword.Resource))
            .WithImage(Image, Tag)
            .WithHttpEndpoint(targetPort: HttpPort, name: HttpEndpointName)
            .WithHttpHealthCheck("/api/health", endpointName: HttpEndpointName)
            .WithBindMount(Path.Combine(configurationPath, "provisioning"), ProvisioningTarget, isReadOnly: true)
            .WithBindMount(Path.Combine(configurationPath, "dashboards"), DashboardsTarget, isReadOnly: true)
            .WithEnvironment("GF_SECURITY_ADMIN_USER", "admin")
            .WithEnvironment("GF_SECURITY_ADMIN_PASSWORD", adminPassword)
            .WithEnvironment("GF_AUTH_ANONYMOUS_ENABLED", "true")
            .WithEnvironment("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer")
            .WithEnvironment("GF_USERS_ALLOW_SIGN_UP", "false")
            .WithEnvironment("GF_ANALYTICS_REPORTING_ENABLED", "false")
            .WithEnvironment("GF_ANALYTICS_CHECK_FOR_UPDATES", "false")
            .WithEnvironment("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", $"{DashboardsTarget}/{DashboardFile}")
            .WithEnvironment("ENERGY_DB_USER", ReaderRole)
            .WithEnvironment("ENERGY_DB_PASSWORD", readerPassword)
            .WithEnvironment(async context =>
            {
                var target = await DashboardDatabaseTarget.ResolveAsync(database.Resource, context.CancellationToken).ConfigureAwait(false);
                context.EnvironmentVariables["ENERGY_DB_HOST"] = target.Host;
                context.EnvironmentVariables["ENERGY_DB_PORT"] = target.Port;
                context.EnvironmentVariables["ENERGY_DB_NAME"] = target.Database;
                context.EnvironmentVariables["ENERGY_DB_SSLMODE"] = target.SslMode;
            })
            .WithUrlForEndpoint(HttpEndpointName, url => url.DisplayText = "Grafana");
        grafana.WithVolume(VolumeNameGenerator.Generate(grafana, "data"), DataTarget);
        var endpoint = grafana.GetEndpoint(HttpEndpointName);
        grafana.WithUrl(ReferenceExpression.Create($"{endpoint}/d/{DashboardUid}"), "Household energy by quarter");
        if (database.Resource is PostgresDatabaseResource)
        {
            grafana.WaitFor(database);
        }

        return grafana;
    }

    /// <summary>The secret parameter of Grafana's admin password, generated and kept in the user secrets unless set.</summary>
    public static string AdminPasswordParameter(string grafana) => $"{grafana}-admin-password";

    /// <summary>The secret parameter of the read-only role's password, generated like the admin's.</summary>
    public static string ReaderPasswordParameter(string grafana) => $"{grafana}-reader-password";
}
