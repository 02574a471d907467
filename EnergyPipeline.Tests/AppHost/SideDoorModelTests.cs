using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Postgres;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.LocalInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// The doors beside the pipeline hold no key: pgweb reads the database as a read-only role of its own (never the
/// superuser), Kafka UI cannot write, and the completion key reaches both services from one secret parameter.
/// </summary>
public sealed class SideDoorModelTests
{
    [Fact]
    public async Task Pgweb_connects_only_through_a_bookmark_of_its_read_only_role_whose_password_it_gets_from_a_secret_parameter()
    {
        var model = AppModel.Build().AllocateEndpoints();
        var pgweb = model.Resource<PgWebResource>("pgweb");
        var readerPassword = await model.Resource<ParameterResource>("pgweb-reader-password").GetValueAsync(TestContext.Current.CancellationToken);
        var superuserPassword = await model.Resource<ParameterResource>("postgres-password").GetValueAsync(TestContext.Current.CancellationToken);

        var env = await AppModel.EnvironmentAsync(pgweb);
        var args = await AppModel.ArgumentsAsync(pgweb);
        var bookmark = Assert.Single(await ContainerFilesAsync(pgweb));
        var job = await AppModel.EnvironmentAsync(model.Resource("spark-job"));

        Assert.DoesNotContain(model.Builder.Resources, r => r is PgWebContainerResource);
        Assert.True(model.Resource<ParameterResource>("pgweb-reader-password").Secret);
        Assert.Equal(["--sessions", "--bookmarks-only", "--bookmarks-dir=/.pgweb/bookmarks", "--readonly", "--no-ssh"], args);
        Assert.Equal("/.pgweb/bookmarks/energy_db.toml", bookmark.Path);
        Assert.Equal(
            ["host = \"postgres\"", "port = 5432", "user = \"pgweb_reader\"", "passwordvar = \"ENERGY_DB_READER_PASSWORD\"", "database = \"energy_db\"",
                "sslmode = \"disable\"", "readonly = true"],
            bookmark.Contents.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(readerPassword, env["ENERGY_DB_READER_PASSWORD"]);
        Assert.Equal(("pgweb_reader", readerPassword), (job["Pipeline__PgWeb__ReaderRole"], job["Pipeline__PgWeb__ReaderPassword"]));
        Assert.DoesNotContain(superuserPassword!, string.Join("\n", [.. env.Values, .. args, bookmark.Contents]), StringComparison.Ordinal);
        Assert.NotEqual(job["Pipeline__Grafana__ReaderPassword"], readerPassword);
    }

    [Fact]
    public async Task Kafka_ui_is_read_only()
    {
        var model = AppModel.Build().AllocateEndpoints();

        var env = await AppModel.EnvironmentAsync(model.Resource("kafka-ui"));

        Assert.Equal(("kafka", "true"), (env["KAFKA_CLUSTERS_0_NAME"], env["KAFKA_CLUSTERS_0_READONLY"]));
    }

    [Theory]
    [InlineData("--Pipeline:Infrastructure=containers")]
    [InlineData("--Pipeline:Infrastructure=embedded")]
    public async Task Both_services_get_the_completion_key_from_one_secret_parameter(string infrastructure)
    {
        Assert.SkipWhen(infrastructure.EndsWith("embedded", StringComparison.Ordinal) && PostgresBinaries.Find() is null, "no PostgreSQL server binaries on this machine");
        var model = AppModel.Build(infrastructure).AllocateEndpoints();
        var key = model.Resource<ParameterResource>("completion-key");

        var ingestor = await AppModel.EnvironmentAsync(model.Resource("ingestor"));
        var job = await AppModel.EnvironmentAsync(model.Resource("spark-job"));

        Assert.True(key.Secret);
        var value = await key.GetValueAsync(TestContext.Current.CancellationToken);
        Assert.Equal((value, value), (ingestor["Pipeline__CompletionKey"], job["Pipeline__CompletionKey"]));
    }

    /// <summary>The files the container would get, with their paths (the callbacks evaluated as at start).</summary>
    private static async Task<List<(string Path, string Contents)>> ContainerFilesAsync(IResource resource)
    {
        var files = new List<(string, string)>();
        foreach (var annotation in resource.Annotations.OfType<ContainerFileSystemCallbackAnnotation>())
        {
            var context = new ContainerFileSystemCallbackContext { Services = new ServiceCollection().BuildServiceProvider(), Model = resource };
            foreach (var item in await annotation.Callback(context, TestContext.Current.CancellationToken))
            {
                Collect(annotation.DestinationPath.TrimEnd('/'), item, files);
            }
        }

        return files;
    }

    private static void Collect(string parent, ContainerFileSystemItem item, List<(string, string)> files)
    {
        var path = $"{parent}/{item.Name}";
        switch (item)
        {
            case ContainerDirectory directory:
                foreach (var entry in directory.Entries)
                {
                    Collect(path, entry, files);
                }

                break;
            case ContainerFile file:
                files.Add((path, file.Contents ?? ""));
                break;
        }
    }
}
