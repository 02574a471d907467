using System.Diagnostics;
using EnergyPipeline.Connectivity;
using EnergyPipeline.Messaging;
using EnergyPipeline.ServiceDefaults.Kafka;
using EnergyPipeline.SparkJob.Kafka;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Orchestration;
using EnergyPipeline.SparkJob.Runs;
using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.SparkJob.SparkConnect;
using EnergyPipeline.SparkJob.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.SparkJob;

/// <summary>The job's host: configuration, services, one run, the summary line and the exit code.</summary>
public static class JobProgram
{
    public const int ExitSucceeded = 0;
    public const int ExitFailed = 1;
    public const int ExitConfiguration = 2;

    /// <summary>Npgsql logs every statement at Information under this category; the job keeps it quiet unless asked.</summary>
    public const string NpgsqlCommandLevelSetting = "Logging:LogLevel:" + NpgsqlCommandCategory;

    /// <summary>
    /// Npgsql's AppContext switch under which <see cref="DateTime.MinValue"/> and <see cref="DateTime.MaxValue"/> are
    /// written as those dates, never as -infinity or infinity, and an infinity read back is an error.
    /// </summary>
    public const string NpgsqlInfinityConversionsSwitch = "Npgsql.DisableDateTimeInfinityConversions";

    /// <summary>
    /// Turns Npgsql's infinity conversions off for the whole process. Npgsql reads the switch once, when its date
    /// handling is first used: call this before any Npgsql use.
    /// </summary>
    public static void DisableNpgsqlInfinityConversions() => AppContext.SetSwitch(NpgsqlInfinityConversionsSwitch, true);

    /// <param name="args">Command line (<c>--engine local</c>, <c>--topic</c>, any configuration key).</param>
    /// <param name="configure">Extra configuration, added last (tests).</param>
    /// <param name="output">Where the summary line goes (standard output by default).</param>
    public static async Task<int> RunAsync(string[] args, Action<IConfigurationBuilder>? configure = null, TextWriter? output = null)
    {
        DisableNpgsqlInfinityConversions();
        output ??= Console.Out;
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        var (answered, commandLineError) = JobCommandLine.Check(args, output);
        if (answered)
        {
            return ExitSucceeded;
        }

        if (commandLineError is not null)
        {
            await ReportFailureAsync(output, null, commandLineError, started);
            return ExitConfiguration;
        }

        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration.AddCommandLine(args, PipelineOptions.SwitchMappings.ToDictionary());
        configure?.Invoke(builder.Configuration);

        PipelineOptions options;
        string database;
        CompletionKey? completionKey;
        try
        {
            if (JobSettings.UnknownKeys.Describe(builder.Configuration) is { } unknown)
            {
                throw new JobConfigurationException($"{unknown} (--help lists the settings)");
            }

            options = PipelineOptions.Read(builder.Configuration);
            database = PipelineOptions.RequireConnectionString(builder.Configuration, PipelineNames.DatabaseConnection);
            PostgresProbe.Parse(database, DatabaseSetting);
            completionKey = CompletionKey.Read(builder.Configuration);
            RegisterEngine(builder, options, new CompletionVerifier(completionKey));
            if (options.Engine == PipelineNames.SparkEngine)
            {
                SparkConnectProbe.Parse(SparkConnectionString(builder.Configuration), SparkSetting);
            }
        }
        catch (Exception ex) when (ex is JobConfigurationException or ConnectionSettingException or CompletionKeyException)
        {
            await ReportFailureAsync(output, builder.Configuration[PipelineOptions.EngineSetting], ex.Message, started);
            return ExitConfiguration;
        }

        // Npgsql logs every statement at Information; keep that for whoever asks (NpgsqlCommandLevelSetting).
        builder.Logging.AddFilter(NpgsqlCommandCategory, level => level >= LogLevel.Warning || IsEnabledByConfiguration(builder.Configuration));

        try
        {
            await PostgresProbe.CheckAsync(database, DatabaseSetting, options.StartConnectTimeout, CancellationToken.None);
        }
        catch (ServiceUnreachableException ex)
        {
            await ReportFailureAsync(output, options.Engine, ex.Message, started);
            return ExitFailed;
        }

        try
        {
            // Both engines read the snapshot (completion records, end offsets) with the job's own Kafka consumer.
            KafkaProbe.Check(builder.Configuration.GetConnectionString(PipelineNames.KafkaConnection)!, KafkaSetting, options.StartConnectTimeout);
            if (options.Engine == PipelineNames.SparkEngine)
            {
                await SparkConnectProbe.CheckAsync(SparkConnectionString(builder.Configuration), SparkSetting, options.StartConnectTimeout, CancellationToken.None);
            }
        }
        catch (ServiceUnreachableException ex)
        {
            // PostgreSQL answered: the run log says why this run did nothing, as it does for every failed run.
            var error = await PreflightFailure.RecordAsync(database, options.Engine, options.Topic, ex.Message, startedAt);
            await ReportFailureAsync(output, options.Engine, error, started);
            return ExitFailed;
        }

        builder.AddServiceDefaults();
        builder.AddNpgsqlDataSource(PipelineNames.DatabaseConnection);
        foreach (var readerRole in DashboardReaderRole.FromConfiguration(builder.Configuration))
        {
            builder.Services.AddSingleton(readerRole);
        }

        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddSingleton(sp => new QuarterlyStore(
            sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<ILogger<QuarterlyStore>>(), options.RunHeartbeat));
        builder.Services.AddSingleton<JobRunner>();

        JobSummary? summary = null;
        var failure = "";
        var failureCode = ExitFailed;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            if (completionKey is null)
            {
                host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(JobProgram)).LogWarning(
                    "{Setting} is not set: completion records are not verified, and whoever can write to the control topic decides which readings count (docs/operations.md, Exposed ports and secrets)",
                    CompletionKey.Setting);
            }

            try
            {
                summary = await host.Services.GetRequiredService<JobRunner>().RunAsync(options.Topic, lifetime.ApplicationStopping);
            }
            catch (Exception ex)
            {
                // The runner has logged the failure and recorded it in pipeline_runs; this is the one-line reason.
                failure = ex is OperationCanceledException ? "cancelled" : ex.Message;
                failureCode = ex is CompletionKeyMismatchException ? ExitConfiguration : ExitFailed;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }

        // Disposing the host flushed its console log (the shutdown lines): the summary line stays the last line.
        if (summary is not null)
        {
            await output.WriteLineAsync(summary.ToJson());
            return ExitSucceeded;
        }

        await ReportFailureAsync(output, options.Engine, failure, started);
        return failureCode;
    }

    private const string DatabaseSetting = "ConnectionStrings:" + PipelineNames.DatabaseConnection;
    private const string KafkaSetting = "ConnectionStrings:" + PipelineNames.KafkaConnection;
    private const string SparkSetting = "ConnectionStrings:" + PipelineNames.SparkConnection;
    private const string NpgsqlCommandCategory = "Npgsql.Command";

    /// <summary>One error line on standard error, and the summary line with status failed on the output, like a success's.</summary>
    private static async Task ReportFailureAsync(TextWriter output, string? engine, string error, long started)
    {
        await Console.Error.WriteLineAsync($"Job failed: {error}");
        await output.WriteLineAsync(JobFailureSummary.ToJson(engine, error, Stopwatch.GetElapsedTime(started)));
    }

    private static string SparkConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(PipelineNames.SparkConnection)!;

    private static bool IsEnabledByConfiguration(IConfiguration configuration) =>
        configuration[NpgsqlCommandLevelSetting] is { Length: > 0 } level
        && Enum.TryParse<LogLevel>(level, ignoreCase: true, out var configured) && configured <= LogLevel.Information;

    private static SparkEngineOptions ReadSparkOptions(IConfiguration configuration)
    {
        try
        {
            return SparkEngineOptions.FromConfiguration(configuration);
        }
        catch (InvalidOperationException ex)
        {
            throw new JobConfigurationException(ex.Message);
        }
    }

    /// <summary>
    /// The seam between the shared job and its engines: exactly one <see cref="IJobEngine"/> is registered. Both read
    /// Kafka through the same consumer registration: the local engine the whole snapshot, the Spark engine the snapshot
    /// Spark then reads, and both the completion records whose trace the run continues (<see cref="SnapshotSource"/>).
    /// </summary>
    private static void RegisterEngine(HostApplicationBuilder builder, PipelineOptions options, CompletionVerifier verifier)
    {
        // The spark engine's own settings are named first when they are missing, Kafka's next.
        var sparkOptions = options.Engine == PipelineNames.SparkEngine ? ReadSparkOptions(builder.Configuration) : null;
        var kafka = PipelineOptions.RequireConnectionString(builder.Configuration, PipelineNames.KafkaConnection);
        builder.AddKafkaConsumer<ConsumedBytes, ConsumedBytes>(
            PipelineNames.KafkaConnection, SnapshotReader.ConfigureConsumer, (_, consumer) => SnapshotReader.ConfigureBuilder(consumer));
        builder.Services.AddSingleton(sp => new SnapshotSource(
            sp.GetRequiredService<KafkaConsumerFactory<ConsumedBytes, ConsumedBytes>>(), kafka, options.KafkaReadStallTimeout, verifier));
        if (sparkOptions is null)
        {
            builder.Services.AddSingleton(new LocalEngineOptions { BootstrapServers = kafka, ReadStallTimeout = options.KafkaReadStallTimeout, Verifier = verifier });
            builder.Services.AddSingleton<IJobEngine, LocalEngine>();
        }
        else
        {
            builder.Services.AddSingleton(sparkOptions with { ReadStallTimeout = options.KafkaReadStallTimeout });
            SparkConnectSession.AddSparkConnectHttpClient(builder.Services);
            builder.Services.AddSingleton<SparkPlanRunner>();
            builder.Services.AddSingleton<IJobEngine, SparkEngine>();
        }
    }
}
