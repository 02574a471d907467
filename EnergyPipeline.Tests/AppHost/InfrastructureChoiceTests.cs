using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// Pipeline:Infrastructure and Pipeline:Engine: how the shape resolves (auto, the engine's default), what the embedded
/// model declares, and the errors the AppHost stops with.
/// </summary>
public sealed class InfrastructureChoiceTests
{
    private static readonly Func<string, CancellationToken, Task<string?>> NoRuntime = (_, _) => Task.FromResult<string?>("Cannot connect to the Docker daemon");
    private static readonly Func<string, CancellationToken, Task<string?>> RuntimeAnswers = (_, _) => Task.FromResult<string?>(null);
    private static readonly Func<string, CancellationToken, Task<string?>> MustNotProbe = (_, _) => throw new Xunit.Sdk.XunitException("probed the runtime");

    [Fact]
    public async Task Auto_without_a_runtime_is_embedded_and_says_so_in_one_line()
    {
        var (shape, notice) = await PipelineShape.ResolveAsync(Configuration(), isRunMode: true, NoRuntime, TestContext.Current.CancellationToken);

        Assert.Equal(PipelineInfrastructure.Embedded, shape.Infrastructure);
        Assert.NotNull(notice);
        Assert.DoesNotContain('\n', notice);
        Assert.Contains("embedded", notice, StringComparison.Ordinal);
        Assert.Contains("Cannot connect to the Docker daemon", notice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_with_a_runtime_is_containers()
    {
        var (shape, _) = await PipelineShape.ResolveAsync(Configuration(), isRunMode: true, RuntimeAnswers, TestContext.Current.CancellationToken);

        Assert.Equal(PipelineInfrastructure.Containers, shape.Infrastructure);
    }

    [Fact]
    public async Task Auto_with_every_service_given_needs_no_runtime()
    {
        var configuration = Configuration(("Pipeline:Engine", "local"), ("ConnectionStrings:kafka", "127.0.0.1:9092"), ("ConnectionStrings:energy_db", "Host=db;Database=energy_db"));

        var (shape, notice) = await PipelineShape.ResolveAsync(configuration, isRunMode: true, MustNotProbe, TestContext.Current.CancellationToken);

        Assert.Equal(PipelineInfrastructure.Containers, shape.Infrastructure);
        Assert.Null(notice);
    }

    [Fact]
    public async Task Publishing_always_models_containers()
    {
        var (shape, _) = await PipelineShape.ResolveAsync(Configuration(("Pipeline:Infrastructure", "embedded")), isRunMode: false, MustNotProbe, TestContext.Current.CancellationToken);

        Assert.Equal(PipelineInfrastructure.Containers, shape.Infrastructure);
    }

    [Fact]
    public async Task Auto_without_a_runtime_runs_the_local_engine()
    {
        var (shape, _) = await PipelineShape.ResolveAsync(Configuration(), isRunMode: true, NoRuntime, TestContext.Current.CancellationToken);

        Assert.Equal(PipelineEngine.Local, shape.Engine);
    }

    [Fact]
    public async Task The_engine_decides_whether_spark_and_hdfs_must_be_given_to_need_no_runtime()
    {
        (string, string)[] kafkaAndDatabase = [("ConnectionStrings:kafka", "127.0.0.1:9092"), ("ConnectionStrings:energy_db", "Host=db;Database=energy_db")];

        var (local, _) = await PipelineShape.ResolveAsync(Configuration([("Pipeline:Engine", "LOCAL"), .. kafkaAndDatabase]), isRunMode: true, MustNotProbe, TestContext.Current.CancellationToken);
        var (spark, _) = await PipelineShape.ResolveAsync(Configuration(kafkaAndDatabase), isRunMode: true, RuntimeAnswers, TestContext.Current.CancellationToken);
        var (sparkWithoutRuntime, notice) = await PipelineShape.ResolveAsync(Configuration(kafkaAndDatabase), isRunMode: true, NoRuntime, TestContext.Current.CancellationToken);

        Assert.Equal(new PipelineShape(PipelineInfrastructure.Containers, PipelineEngine.Local), local);
        Assert.Equal(new PipelineShape(PipelineInfrastructure.Containers, PipelineEngine.Spark), spark);
        Assert.Equal(new PipelineShape(PipelineInfrastructure.Embedded, PipelineEngine.Local), sparkWithoutRuntime);
        Assert.Contains("embedded", notice, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("embedded", "spark", "Pipeline:Engine=spark needs Spark and HDFS")]
    [InlineData("containers", "flink", "Pipeline:Engine is 'flink'; use 'spark' or 'local'")]
    public void A_shape_that_cannot_run_is_refused_before_anything_is_built(string infrastructure, string engine, string expected)
    {
        var error = Assert.Throws<PipelineConfigurationException>(() =>
            PipelineShape.Resolve(Configuration(("Pipeline:Infrastructure", infrastructure), ("Pipeline:Engine", engine)), isRunMode: true));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_probing_auto_models_containers_with_the_spark_engine()
    {
        Assert.Equal(new PipelineShape(PipelineInfrastructure.Containers, PipelineEngine.Spark), PipelineShape.Resolve(Configuration(), isRunMode: true));
        Assert.Equal(new PipelineShape(PipelineInfrastructure.Embedded, PipelineEngine.Local),
            PipelineShape.Resolve(Configuration(("Pipeline:Infrastructure", "embedded")), isRunMode: true));
    }

    [Fact]
    public async Task An_unknown_infrastructure_is_refused_with_the_choices()
    {
        var error = await Assert.ThrowsAsync<PipelineConfigurationException>(() =>
            PipelineShape.ResolveAsync(Configuration(("Pipeline:Infrastructure", "cloud")), isRunMode: true, MustNotProbe, TestContext.Current.CancellationToken));

        Assert.Contains("'auto', 'containers' or 'embedded'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_embedded_model_declares_no_container_and_runs_the_local_engine()
    {
        Assert.SkipWhen(PostgresBinaries.Find() is null, "no PostgreSQL server binaries on this machine");
        var model = AppModel.Build("--Pipeline:Infrastructure=embedded");

        Assert.Equal(["completion-key", "ingestor", "kafka", "postgres", "postgres-password", "spark-job"], model.Names.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(model.Builder.Resources, r => r is ContainerResource);
        Assert.IsType<EmbeddedKafkaResource>(model.Resource("kafka"));
        var postgres = model.Resource<EmbeddedPostgresResource>("postgres");
        Assert.Contains("listen_addresses=127.0.0.1", await ArgumentsAsync(postgres));

        var job = await AppModel.EnvironmentAsync(model.Resource("spark-job"));
        Assert.Equal("local", job["Pipeline__Engine"]);
        var password = await model.Resource<ParameterResource>("postgres-password").GetValueAsync(TestContext.Current.CancellationToken);
        Assert.Equal($"Host=127.0.0.1;Port={postgres.Port};Username=postgres;Password={password};Database=energy_db", job["ConnectionStrings__energy_db"]);
        var ingestor = await AppModel.EnvironmentAsync(model.Resource("ingestor"));
        Assert.Equal(EmbeddedKafkaSizing.Partitions().ToString(System.Globalization.CultureInfo.InvariantCulture), ingestor["Ingestor__Partitions"]);
    }

    [Fact]
    public void A_given_connection_string_wins_over_the_embedded_resource()
    {
        Assert.SkipWhen(PostgresBinaries.Find() is null, "no PostgreSQL server binaries on this machine");
        var model = AppModel.Build("--Pipeline:Infrastructure=embedded", "--ConnectionStrings:kafka=broker.example:9092");

        Assert.IsNotType<EmbeddedKafkaResource>(model.Resource("kafka"));
        Assert.IsType<EmbeddedPostgresResource>(model.Resource("postgres"));
    }

    [Fact]
    public void Embedded_without_postgresql_binaries_names_the_package_and_docker()
    {
        var error = Assert.Throws<EmbeddedInfrastructureException>(() =>
            AppModel.Build("--Pipeline:Infrastructure=embedded", $"--Pipeline:Postgres:BinDirectory={Path.Combine(Path.GetTempPath(), "no-postgres-here")}"));

        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains("Docker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sized_topic_holds_the_stated_number_of_full_copies()
    {
        // An independent reading of the rule: stored bytes of K copies must fit in the partitions' retention.
        var partitions = EmbeddedKafkaSizing.Partitions();
        Assert.True((long)partitions * 5 * 1024 * 1024 >= (long)EmbeddedKafkaSizing.Copies * 2_075_259 * EmbeddedKafkaSizing.StoredBytesPerReading);
    }

    [Theory]
    [InlineData(2, "error: Pipeline:Engine=spark needs Spark and HDFS", "--Pipeline:Infrastructure=embedded", "--Pipeline:Engine=spark")]
    [InlineData(2, "error: Pipeline:Infrastructure is 'cloud'", "--Pipeline:Infrastructure=cloud")]
    [InlineData(0, "Pipeline:Infrastructure", "--help")]
    [InlineData(0, "ConnectionStrings:energy_db", "-h")]
    [InlineData(0, "Pipeline:Engine", "help")]
    [InlineData(2, "error: Pipeline:ExitWhenDone is 'yes'; use true or false.", "--Pipeline:Infrastructure=embedded", "--Pipeline:ExitWhenDone=yes")]
    [InlineData(2, "error: Pipeline:Embedded:ThrowAway is 'sometimes'; use true or false.", "--Pipeline:Infrastructure=embedded", "--Pipeline:Embedded:ThrowAway=sometimes")]
    public async Task The_apphost_exits_at_once_with_help_or_a_one_line_configuration_error(int exitCode, string expected, params string[] args)
    {
        var result = await ChildProcess.RunProjectAsync("EnergyPipeline.AppHost", TimeSpan.FromMinutes(2), args);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, exitCode == 0 ? result.Output : result.Errors, StringComparison.Ordinal);
        if (exitCode != 0)
        {
            Assert.Single(result.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    private static async Task<IReadOnlyList<string>> ArgumentsAsync(IResource resource)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource).WithArgumentsConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TestContext.Current.CancellationToken);
        return result.Arguments.Select(a => a.Value).ToList();
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
