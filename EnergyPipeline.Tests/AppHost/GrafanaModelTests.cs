using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Pipeline;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>Grafana in the app model: pinned image, data volume, secret parameters, data source wiring, dashboard link.</summary>
public sealed class GrafanaModelTests
{
    [Fact]
    public void Grafana_is_pinned_keeps_its_data_in_a_volume_and_answers_a_health_check()
    {
        var grafana = AppModel.Build().Resource<GrafanaResource>("grafana");

        var image = grafana.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal(("grafana/grafana-oss", "12.4.3"), (image.Image, image.Tag));
        Assert.Contains(grafana.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.Volume && m.Target == "/var/lib/grafana");
        Assert.Equal(3000, grafana.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").TargetPort);
        Assert.Contains(grafana.Annotations.OfType<HealthCheckAnnotation>(), _ => true);
    }

    [Fact]
    public async Task Anonymous_users_view_and_the_admin_password_is_a_secret_parameter()
    {
        var model = AppModel.Build().AllocateEndpoints();
        var grafana = model.Resource<GrafanaResource>("grafana");
        var admin = model.Resource<ParameterResource>("grafana-admin-password");

        var env = await AppModel.EnvironmentAsync(grafana);

        Assert.True(admin.Secret);
        Assert.Same(admin, grafana.AdminPassword);
        Assert.Equal(await admin.GetValueAsync(TestContext.Current.CancellationToken), env["GF_SECURITY_ADMIN_PASSWORD"]);
        Assert.Equal("true", env["GF_AUTH_ANONYMOUS_ENABLED"]);
        Assert.Equal("Viewer", env["GF_AUTH_ANONYMOUS_ORG_ROLE"]);
        Assert.Equal("false", env["GF_USERS_ALLOW_SIGN_UP"]);
    }

    [Fact]
    public async Task The_data_source_reads_energy_db_in_the_container_network_as_the_role_the_job_provisions()
    {
        var model = AppModel.Build().AllocateEndpoints();
        var grafana = model.Resource<GrafanaResource>("grafana");
        var reader = model.Resource<ParameterResource>("grafana-reader-password");

        var grafanaEnv = await AppModel.EnvironmentAsync(grafana);
        var jobEnv = await AppModel.EnvironmentAsync(model.Resource("spark-job"));

        Assert.True(reader.Secret);
        Assert.Equal(("postgres", "5432", "energy_db", "disable"),
            (grafanaEnv["ENERGY_DB_HOST"], grafanaEnv["ENERGY_DB_PORT"], grafanaEnv["ENERGY_DB_NAME"], grafanaEnv["ENERGY_DB_SSLMODE"]));
        Assert.Equal(jobEnv["Pipeline__Grafana__ReaderRole"], grafanaEnv["ENERGY_DB_USER"]);
        Assert.Equal(jobEnv["Pipeline__Grafana__ReaderPassword"], grafanaEnv["ENERGY_DB_PASSWORD"]);
        Assert.Equal(await reader.GetValueAsync(TestContext.Current.CancellationToken), grafanaEnv["ENERGY_DB_PASSWORD"]);
        Assert.NotEqual(grafanaEnv["GF_SECURITY_ADMIN_PASSWORD"], grafanaEnv["ENERGY_DB_PASSWORD"]);
    }

    [Theory]
    [InlineData("Host=db.example;Port=6543;Database=energy_db;Username=energy;Password=pw;SSL Mode=Require", "db.example", "6543", "require")]
    [InlineData("Host=localhost;Database=energy_db;Username=energy", "host.docker.internal", "5432", "disable")]
    [InlineData("Server=pg.internal;Database=energy_db;SslMode=VerifyFull", "pg.internal", "5432", "verify-full")]
    public async Task With_an_existing_database_grafana_uses_that_connection(string connectionString, string host, string port, string sslMode)
    {
        var model = AppModel.Build($"--ConnectionStrings:energy_db={connectionString}").AllocateEndpoints();

        var env = await AppModel.EnvironmentAsync(model.Resource("grafana"));

        Assert.Equal((host, port, "energy_db", sslMode), (env["ENERGY_DB_HOST"], env["ENERGY_DB_PORT"], env["ENERGY_DB_NAME"], env["ENERGY_DB_SSLMODE"]));
        Assert.DoesNotContain(env.Values, v => v == "pw");
    }

    [Fact]
    public async Task The_dashboard_is_linked_on_the_grafana_resource()
    {
        var model = AppModel.Build().AllocateEndpoints();
        var grafana = model.Resource("grafana");

        var urls = await AppModel.UrlsAsync(grafana);

        Assert.Single(urls, u => u.DisplayText == "Grafana");
        var dashboard = Assert.Single(urls, u => u.DisplayText == "Household energy by quarter");
        Assert.Equal($"http://localhost:{AppModel.AllocatedPort(grafana, "http")}/d/household-energy", dashboard.Url);
    }

    [Fact]
    public async Task A_model_without_containers_declares_no_grafana_and_tells_the_job_of_no_reader_role()
    {
        var model = AppModel.Build("--Pipeline:Engine=local", "--ConnectionStrings:kafka=127.0.0.1:9092", "--ConnectionStrings:energy_db=Host=db.example;Database=energy_db;Username=energy");

        Assert.DoesNotContain(model.Names, n => n.StartsWith("grafana", StringComparison.Ordinal));
        Assert.DoesNotContain((await AppModel.EnvironmentAsync(model.Resource("spark-job"))).Keys, k => k.StartsWith("Pipeline__Grafana__", StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_waits_for_grafana()
    {
        var model = AppModel.Build();

        Assert.DoesNotContain(model.Builder.Resources.SelectMany(AppModel.Waits), wait => wait.Resource == "grafana");
        Assert.Contains(("energy-db", WaitType.WaitUntilHealthy), AppModel.Waits(model.Resource("grafana")));
    }
}
