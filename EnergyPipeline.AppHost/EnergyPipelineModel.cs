using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.AppHost.Pipeline;
using EnergyPipeline.Messaging;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost;

/// <summary>Which engine the job runs: Spark through Spark Connect, or the in-process local engine.</summary>
public enum PipelineEngine
{
    Spark,
    Local,
}

/// <summary>
/// The distributed application: file -> ingestor -> Kafka -> job (Spark or local) -> HDFS raw zone and PostgreSQL.
/// Any of kafka, spark, hdfs and energy_db given as <c>ConnectionStrings:NAME</c> replaces its containers.
/// </summary>
public static class EnergyPipelineModel
{
    public const string EngineSetting = "Pipeline:Engine";
    public const string IngestFileSetting = "Ingestor:File";
    public const string PostgresBinDirectorySetting = "Pipeline:Postgres:BinDirectory";
    public const string SparkWorkersSetting = "Pipeline:Spark:Workers";

    /// <summary>The database, and the connection string name the services and users know it by.</summary>
    public const string EnergyDatabase = "energy_db";

    /// <summary>
    /// Builds the model. <c>Pipeline:Infrastructure</c> is read as resolved by the caller (Program resolves
    /// <c>auto</c> by probing the container runtime); an unresolved <c>auto</c> models containers.
    /// </summary>
    public static void Build(IDistributedApplicationBuilder builder)
    {
        var embedded = builder.ExecutionContext.IsRunMode && InfrastructureChoice.Read(builder.Configuration) == PipelineInfrastructure.Embedded;
        var engine = ReadEngine(builder, embedded);

        var kafka = builder.ExistingOr("kafka", name => embedded
            ? builder.AddEmbeddedKafka(name,
                [
                    new EmbeddedTopic(RawEnergyTopic.Name, EmbeddedKafkaSizing.Partitions()),
                    // The ingestions' completion records, which the job needs before it publishes anything.
                    new EmbeddedTopic(RawEnergyTopic.CompletionTopic(RawEnergyTopic.Name), 1),
                ]).AsConnectionString()
            : builder.AddKafka(name).WithZookeeper().WithKafkaUI().AsConnectionString());

        var energyDb = builder.ExistingOr(EnergyDatabase, name => embedded
            ? builder.AddEmbeddedPostgres("postgres", EnergyDatabase, FindPostgresBinaries(builder), EmbeddedPostgresStorage.Read(builder.Configuration)).AsConnectionString()
            : builder.AddPostgres("postgres", password: builder.AddParameter("postgres-password", secret: true))
                .WithDataVolume()
                .WithPgWeb()
                .AddDatabase(name, databaseName: EnergyDatabase).AsConnectionString());

        var ingestor = builder.AddProject<Projects.EnergyPipeline_Ingestor>("ingestor")
            .WithoutDevelopmentCertificate()
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

        var job = builder.AddProject<Projects.EnergyPipeline_SparkJob>("spark-job")
            .WithoutDevelopmentCertificate()
            .WithReference(kafka).WaitFor(kafka)
            .WithReference(energyDb, connectionName: EnergyDatabase).WaitFor(energyDb)
            .WaitForCompletion(ingestor)
            .WithEngineCommands(engine, engine == PipelineEngine.Spark ? [PipelineEngine.Spark, PipelineEngine.Local] : [PipelineEngine.Local]);
        ingestor.WithRunPipelineCommand(job);
        if (builder.ExecutionContext.IsRunMode)
        {
            PipelineConsoleReport.AddTo(builder, energyDb.Resource, kafka.Resource);
        }

        if (engine == PipelineEngine.Spark)
        {
            var hdfs = builder.ExistingOr("hdfs", name => builder.AddHdfs("namenode"));
            var sparkContext = Path.Combine(builder.AppHostDirectory, "..", "containers", "spark");
            var spark = builder.ExistingOr("spark", name =>
                builder.AddSparkConnect(name, sparkContext).WithStandaloneCluster(ReadSparkWorkers(builder), sparkContext));

            job.WithReference(spark).WaitFor(spark)
                .WithReference(hdfs, connectionName: "hdfs").WaitFor(hdfs)
                // Spark reaches Kafka and PostgreSQL inside the container network, not through the host ports.
                .WithEnvironment("Pipeline__Spark__KafkaBootstrapServers", ContainerNetworkAddress(kafka.Resource))
                .WithEnvironment("Pipeline__Spark__PostgresAddress", ContainerNetworkAddress(energyDb.Resource));
            if (hdfs.Resource is HdfsNameNodeResource { DataNode: { } datanode })
            {
                job.WaitFor(builder.CreateResourceBuilder(datanode));
            }
        }

        // Grafana belongs to the container topology: a model that runs no container (every service given as a
        // connection string, or an embedded mode) needs no container runtime, so it gets no Grafana either.
        if (builder.Resources.OfType<ContainerResource>().Any())
        {
            var grafana = builder.AddGrafana("grafana", energyDb, Path.Combine(builder.AppHostDirectory, "..", "containers", "grafana"));
            job.WithDashboardReader(grafana);
        }
    }

    /// <summary>
    /// Reads <c>Pipeline:Engine</c>: spark by default, local by default in embedded mode, where spark is refused
    /// (Spark and HDFS run only in containers or as given services).
    /// </summary>
    public static PipelineEngine ReadEngine(IDistributedApplicationBuilder builder, bool embedded = false)
    {
        var value = builder.Configuration[EngineSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return embedded ? PipelineEngine.Local : PipelineEngine.Spark;
        }

        if (!Enum.TryParse<PipelineEngine>(value, ignoreCase: true, out var engine) || !Enum.IsDefined(engine))
        {
            throw new PipelineConfigurationException($"{EngineSetting} is '{value}'; use 'spark' or 'local'.");
        }

        return engine == PipelineEngine.Spark && embedded
            ? throw new PipelineConfigurationException(
                $"{EngineSetting}=spark needs Spark and HDFS, which embedded infrastructure does not run: use {EngineSetting}=local, " +
                $"or {InfrastructureChoice.Setting}=containers with a container runtime, or give ConnectionStrings:spark and ConnectionStrings:hdfs.")
            : engine;
    }

    private static PostgresBinaries FindPostgresBinaries(IDistributedApplicationBuilder builder) =>
        PostgresBinaries.Find(builder.Configuration[PostgresBinDirectorySetting])
        ?? throw new EmbeddedInfrastructureException(PostgresBinaries.MissingMessage);

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
    /// The service given as <c>ConnectionStrings:NAME</c> when configured, otherwise the containers that
    /// <paramref name="addContainers"/> declares. Resource names allow no underscore, so <c>energy_db</c>
    /// is the resource <c>energy-db</c>, still configured as <c>ConnectionStrings:energy_db</c>.
    /// </summary>
    private static IResourceBuilder<IResourceWithConnectionString> ExistingOr<T>(
        this IDistributedApplicationBuilder builder, string name, Func<string, IResourceBuilder<T>> addContainers)
        where T : IResourceWithConnectionString
    {
        var resourceName = name.Replace('_', '-');
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
