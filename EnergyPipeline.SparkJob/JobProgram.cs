using EnergyPipeline.SparkJob.Engine;
using EnergyPipeline.SparkJob.Local;
using EnergyPipeline.SparkJob.Spark;
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

    /// <param name="args">Command line (<c>--engine local</c>, <c>--topic</c>, any configuration key).</param>
    /// <param name="configure">Extra configuration, added last (tests).</param>
    /// <param name="output">Where the summary line goes (standard output by default).</param>
    public static async Task<int> RunAsync(string[] args, Action<IConfigurationBuilder>? configure = null, TextWriter? output = null)
    {
        output ??= Console.Out;
        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration.AddCommandLine(args, PipelineOptions.SwitchMappings.ToDictionary());
        configure?.Invoke(builder.Configuration);

        PipelineOptions options;
        try
        {
            options = PipelineOptions.Read(builder.Configuration);
            PipelineOptions.RequireConnectionString(builder.Configuration, PipelineOptions.DatabaseConnectionName);
            RegisterEngine(builder, options);
        }
        catch (JobConfigurationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitConfiguration;
        }

        builder.AddServiceDefaults();
        builder.AddNpgsqlDataSource(PipelineOptions.DatabaseConnectionName);
        if (DashboardReaderRole.FromConfiguration(builder.Configuration) is { } readerRole)
        {
            builder.Services.AddSingleton(readerRole);
        }

        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddSingleton<QuarterlyStore>();
        builder.Services.AddSingleton<JobRunner>();

        using var host = builder.Build();
        await host.StartAsync();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var exitCode = ExitFailed;
        try
        {
            var summary = await host.Services.GetRequiredService<JobRunner>().RunAsync(options.Topic, lifetime.ApplicationStopping);
            await output.WriteLineAsync(summary.ToJson());
            exitCode = ExitSucceeded;
        }
        catch (Exception ex)
        {
            // The runner has logged the failure and recorded it in pipeline_runs; this is the one-line reason.
            await Console.Error.WriteLineAsync($"Job failed: {ex.Message}");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        return exitCode;
    }

    private static SparkEngineOptions ReadSparkOptions(IConfiguration configuration)
    {
        try
        {
            return SparkEngineOptions.FromConfiguration(configuration);
        }
        catch (InvalidOperationException ex)
        {
            throw new JobConfigurationException($"The spark engine is not configured: {ex.Message}");
        }
    }

    /// <summary>The seam between the shared job and its engines: exactly one <see cref="IJobEngine"/> is registered.</summary>
    private static void RegisterEngine(HostApplicationBuilder builder, PipelineOptions options)
    {
        switch (options.Engine)
        {
            case PipelineOptions.LocalEngine:
                var kafka = PipelineOptions.RequireConnectionString(builder.Configuration, PipelineOptions.KafkaConnectionName);
                builder.Services.AddSingleton(new LocalEngineOptions { BootstrapServers = kafka });
                builder.AddKafkaConsumer<byte[]?, byte[]?>(PipelineOptions.KafkaConnectionName, LocalEngine.ConfigureConsumer);
                builder.Services.AddSingleton<IJobEngine, LocalEngine>();
                break;
            case PipelineOptions.SparkEngine:
                builder.Services.AddSingleton(ReadSparkOptions(builder.Configuration));
                SparkConnect.SparkConnectSession.AddSparkConnectHttpClient(builder.Services);
                builder.Services.AddSingleton<SparkEngine>();
                builder.Services.AddSingleton<IJobEngine, SparkJobEngine>();
                break;
        }
    }
}
