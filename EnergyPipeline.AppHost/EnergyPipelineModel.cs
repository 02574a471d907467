using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Messaging;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost;

/// <summary>
/// The distributed application: file -> ingestor -> Kafka -> job (Spark or local) -> HDFS raw zone and PostgreSQL.
/// Any of kafka, spark, hdfs and energy_db given as <c>ConnectionStrings:NAME</c> replaces its containers.
/// </summary>
public static class EnergyPipelineModel
{
    public const string IngestFileSetting = "Ingestor:File";
    public const string PostgresBinDirectorySetting = "Pipeline:Postgres:BinDirectory";
    public const string SparkWorkersSetting = "Pipeline:Spark:Workers";

    /// <summary>Builds the model of the <paramref name="shape"/> the caller resolved (<see cref="PipelineShape"/>).</summary>
    public static void Build(IDistributedApplicationBuilder builder, PipelineShape shape)
    {
        var embedded = shape.IsEmbedded;
        var engine = shape.Engine;

        var kafka = builder.ExistingOr(PipelineNames.KafkaConnection, ResourceNames.Kafka, name => embedded
            ? builder.AddEmbeddedKafka(name,
                [
                    new EmbeddedTopic(RawEnergyTopic.Name, EmbeddedKafkaSizing.Partitions()),
                    // The ingestions' completion records, which the job needs before it publishes anything.
                    new EmbeddedTopic(RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), 1),
                ]).AsConnectionString()
            : builder.AddKafka(name).WithZookeeper().WithKafkaUI().AsConnectionString());

        var energyDb = builder.ExistingOr(PipelineNames.DatabaseConnection, ResourceNames.EnergyDatabase, name => embedded
            ? builder.AddEmbeddedPostgres(ResourceNames.Postgres, PipelineNames.DatabaseConnection, FindPostgresBinaries(builder), EmbeddedPostgresStorage.Read(builder.Configuration),
                GeneratedSecret.Add(builder, ResourceNames.PostgresPassword)).AsConnectionString()
            : AddPostgresContainer(builder, name).AsConnectionString());

        // Both services get the key: the ingestor signs its completion records, the job counts only records it verifies.
        var completionKey = GeneratedSecret.Add(builder, ResourceNames.CompletionKey, minLength: 48);
        var ingestor = builder.AddProject<Projects.EnergyPipeline_Ingestor>(ResourceNames.Ingestor)
            .WithoutDevelopmentCertificate()
            .WithEnvironment(CompletionKeyVariable, completionKey)
            .WithReference(kafka).WaitFor(kafka)
            .WithEnvironment("Ingestor__DataDirectory", Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "data")));
        if (builder.Configuration[IngestFileSetting] is { Length: > 0 } file)
        {
            // An explicit file instead of the UCI download, e.g. one made by `ingestor generate`.
            ingestor.WithEnvironment("Ingestor__File", Path.GetFullPath(file));
        }

        if (kafka.Resource is EmbeddedKafkaResource embeddedKafka)
        {
            // The ingestor would otherwise warn that the existing topic differs from its default partition count.
            ingestor.WithEnvironment("Ingestor__Partitions", embeddedKafka.Topics[0].Partitions.ToString(CultureInfo.InvariantCulture));
        }

        var job = builder.AddProject<Projects.EnergyPipeline_SparkJob>(ResourceNames.Job)
            .WithoutDevelopmentCertificate()
            .WithEnvironment(CompletionKeyVariable, completionKey)
            .WithReference(kafka).WaitFor(kafka)
            .WithReference(energyDb, connectionName: PipelineNames.DatabaseConnection).WaitFor(energyDb)
            .WaitForCompletion(ingestor)
            .WithEngineCommands(engine, engine == PipelineEngine.Spark ? [PipelineEngine.Spark, PipelineEngine.Local] : [PipelineEngine.Local]);
        ingestor.WithRunPipelineCommand(job);
        if (builder.ExecutionContext.IsRunMode)
        {
            PipelineConsoleReport.AddTo(builder, energyDb.Resource, kafka.Resource);
        }

        if (engine == PipelineEngine.Spark)
        {
            var hdfs = builder.ExistingOr(PipelineNames.HdfsConnection, ResourceNames.Hdfs, _ => builder.AddHdfs(ResourceNames.NameNode));
            var sparkContext = Path.Combine(builder.AppHostDirectory, "..", "containers", "spark");
            var spark = builder.ExistingOr(PipelineNames.SparkConnection, ResourceNames.Spark, name =>
                builder.AddSparkConnect(name, sparkContext).WithStandaloneCluster(ReadSparkWorkers(builder), sparkContext));

            job.WithReference(spark).WaitFor(spark)
                .WithReference(hdfs, connectionName: PipelineNames.HdfsConnection).WaitFor(hdfs)
                // Spark reaches Kafka and PostgreSQL inside the container network, not through the host ports.
                .WithEnvironment("Pipeline__Spark__KafkaBootstrapServers", ContainerNetworkAddress(kafka.Resource))
                .WithEnvironment("Pipeline__Spark__PostgresAddress", ContainerNetworkAddress(energyDb.Resource));
        }

        // Grafana belongs to the container topology: a model that runs no container (every service given as a
        // connection string, or an embedded mode) needs no container runtime, so it gets no Grafana either.
        if (builder.Resources.OfType<ContainerResource>().Any())
        {
            builder.AddGrafana(ResourceNames.Grafana, energyDb, Path.Combine(builder.AppHostDirectory, "..", "containers", "grafana"));
        }

        // Every dashboard reads the figures as a read-only role of its own, which the job provisions.
        foreach (var dashboard in builder.Resources.OfType<IResourceWithDatabaseReader>())
        {
            job.WithDatabaseReader(dashboard);
        }
    }

    private const string CompletionKeyVariable = "Pipeline__CompletionKey";

    /// <summary>PostgreSQL in a container with a data volume, its superuser's password generated, and pgweb as a read-only role.</summary>
    private static IResourceBuilder<PostgresDatabaseResource> AddPostgresContainer(IDistributedApplicationBuilder builder, string name)
    {
        var database = builder.AddPostgres(ResourceNames.Postgres, password: GeneratedSecret.Add(builder, ResourceNames.PostgresPassword))
            .WithDataVolume()
            .AddDatabase(name, databaseName: PipelineNames.DatabaseConnection);
        builder.AddReadOnlyPgWeb(ResourceNames.PgWeb, database);
        return database;
    }

    private static PostgresBinaries FindPostgresBinaries(IDistributedApplicationBuilder builder) =>
        PostgresBinaries.Find(builder.Configuration[PostgresBinDirectorySetting])
        ?? throw new EmbeddedInfrastructureException(EmbeddedPostgresResource.MissingBinariesMessage);

    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(this IResourceBuilder<T> resource)
        where T : IResourceWithConnectionString =>
        resource.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);

    /// <summary>Reads <c>Pipeline:Spark:Workers</c>: absent or 0 is local mode in the Connect container.</summary>
    public static int ReadSparkWorkers(IDistributedApplicationBuilder builder)
    {
        var value = builder.Configuration[SparkWorkersSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return 0;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var workers) && workers <= 64
            ? workers
            : throw new DistributedApplicationException($"{SparkWorkersSetting} is '{value}'; use 0 (local mode) or a number of workers up to 64.");
    }

    /// <summary>
    /// The service given as <c>ConnectionStrings:NAME</c> when configured, as the resource <paramref name="resourceName"/>;
    /// otherwise the containers that <paramref name="addContainers"/> declares under that name. Resource names allow no
    /// underscore, so <c>energy_db</c> is the resource <c>energy-db</c>, still configured as <c>ConnectionStrings:energy_db</c>.
    /// </summary>
    private static IResourceBuilder<IResourceWithConnectionString> ExistingOr<T>(
        this IDistributedApplicationBuilder builder, string name, string resourceName, Func<string, IResourceBuilder<T>> addContainers)
        where T : IResourceWithConnectionString
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
        {
            return builder.CreateResourceBuilder<IResourceWithConnectionString>(addContainers(resourceName).Resource);
        }

        if (resourceName == name)
        {
            return builder.AddConnectionString(name);
        }

        var connectionString = builder.AddParameterFromConfiguration($"{resourceName}-connection-string", $"ConnectionStrings:{name}", secret: true);
        return builder.AddConnectionString(resourceName, ReferenceExpression.Create($"{connectionString}"));
    }

    /// <summary>The address another container uses; an existing service is reached at its own address.</summary>
    private static ReferenceExpression ContainerNetworkAddress(IResourceWithConnectionString resource) => resource switch
    {
        KafkaServerResource kafka => ReferenceExpression.Create($"{kafka.Name}:{kafka.InternalEndpoint.Property(EndpointProperty.TargetPort)}"),
        PostgresDatabaseResource db => ReferenceExpression.Create($"{db.Parent.Name}:{db.Parent.PrimaryEndpoint.TargetPort?.ToString(CultureInfo.InvariantCulture)}"),
        _ => resource.ConnectionStringExpression,
    };
}
