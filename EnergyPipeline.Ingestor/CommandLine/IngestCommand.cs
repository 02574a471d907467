using Confluent.Kafka;
using EnergyPipeline.Connectivity;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Data;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Ingestor.Kafka;
using EnergyPipeline.Messaging;
using EnergyPipeline.Summaries;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Ingestor.CommandLine;

/// <summary>
/// <c>ingest [--file FILE]</c>: parse and send to Kafka under the generic host (service defaults: OpenTelemetry,
/// logging), so a run under the AppHost shows on the dashboard. Other <c>--Key=value</c> options are configuration.
/// </summary>
internal static class IngestCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "file" };

    public static async Task<int> RunAsync(CommandLineArguments args, TextWriter output, TextWriter errors)
    {
        var builder = Host.CreateApplicationBuilder([.. args.Passthrough]);
        if (args.Get("file") is { } file)
        {
            builder.Configuration.AddInMemoryCollection([new($"{IngestorOptions.Section}:{nameof(IngestorOptions.File)}", file)]);
        }

        if (IngestorSettings.UnknownKeys.Describe(builder.Configuration) is { } unknown)
        {
            throw new UsageException(unknown);
        }

        var options = builder.Configuration.GetSection(IngestorOptions.Section).Get<IngestorOptions>() ?? new IngestorOptions();
        CompletionKey? completionKey;
        try
        {
            options.Validate();
            completionKey = CompletionKey.Read(builder.Configuration);
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException(ex.Message);
        }

        if (options.File is { Length: > 0 } given && DataFileCheck.WhyNotAFile(given) is { } problem)
        {
            throw new UsageException($"the file to ingest (--file or Ingestor:File): {problem}.");
        }

        var bootstrap = builder.Configuration.GetConnectionString(PipelineNames.KafkaConnection);
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            throw new UsageException(
                $"ingest needs Kafka: set ConnectionStrings:{PipelineNames.KafkaConnection} to host:port " +
                $"(the AppHost does; on the command line: --ConnectionStrings:{PipelineNames.KafkaConnection}=localhost:9092).");
        }

        // An unreachable broker fails here, in seconds, with one line naming it; the run would otherwise retry for minutes.
        try
        {
            KafkaProbe.Check(bootstrap, $"ConnectionStrings:{PipelineNames.KafkaConnection}", options.ConnectTimeoutSpan);
        }
        catch (ConnectionSettingException ex)
        {
            throw new UsageException(ex.Message);
        }
        catch (ServiceUnreachableException ex)
        {
            errors.WriteLine($"error: {ex.Message}");
            output.WriteLine(RunSummary.FailedBeforeReading("ingest", options.File ?? "", ex.Message).ToJson());
            return ExitCodes.Failed;
        }

        builder.AddServiceDefaults();
        builder.AddKafkaProducer<byte[], byte[]>(PipelineNames.KafkaConnection, settings => IngestorProducerConfig.ApplyTo(settings, options));
        builder.Services.AddSingleton(options);
        if (completionKey is not null)
        {
            builder.Services.AddSingleton(completionKey);
        }

        // On the producer's handle: one connection set, and its log goes where the producer's goes.
        builder.Services.AddSingleton<IAdminClient>(sp => new DependentAdminClientBuilder(sp.GetRequiredService<IProducer<byte[], byte[]>>().Handle).Build());
        builder.Services.AddSingleton<IngestionRunner>();
        DatasetDownloader.AddDatasetHttpClient(builder.Services);

        RunSummary summary;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EnergyPipeline.Ingestor");
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            if (completionKey is null)
            {
                // The ingestor cannot know whether the job has a key: the job refuses unsigned records when it has one.
                logger.LogWarning(
                    "{Setting} is not set: the completion record is written unsigned, and a job without the key trusts any record on the control topic (docs/operations.md, Exposed ports and secrets)",
                    CompletionKey.Setting);
            }

            summary = await RunOnceAsync(host.Services, options, logger, lifetime.ApplicationStopping);
            await host.StopAsync();
        }

        output.Write(summary.ToText());
        output.WriteLine(summary.ToJson());
        if (summary.Error is not null)
        {
            errors.WriteLine($"error: {summary.Error}");
        }

        return summary.Status == SummaryStatus.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static async Task<RunSummary> RunOnceAsync(IServiceProvider services, IngestorOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var path = options.File ?? System.IO.Path.Combine(options.DataDirectory, Parsing.HouseholdPowerFormat.FileName);
        try
        {
            var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(DatasetDownloader.HttpClientName);
            var data = await DataFileLocator.LocateAsync(options, () => new DatasetDownloader(http, logger), logger, cancellationToken: cancellationToken);
            path = data.Path;
            var result = await services.GetRequiredService<IngestionRunner>().RunAsync(path, cancellationToken);
            var notice = data.NotThePublishedFile(result.SourceSha256);
            if (notice is not null)
            {
                logger.LogWarning("{Notice}", notice);
            }

            return RunSummary.From("ingest", path, result.Parse, result.Sent, result.Elapsed, result.Succeeded ? SummaryStatus.Succeeded : SummaryStatus.Failed,
                result.RunId, result.SourceSha256, result.Error, result.TraceId) with { Source = data.SourceFor(result.SourceSha256), Notice = notice };
        }
        catch (Exception ex) when (ex is DatasetDownloadException or FileNotFoundException or InvalidOperationException or Parsing.HouseholdFormatException)
        {
            logger.LogError("Ingestion failed: {Error}", ex.Message);
            return RunSummary.FailedBeforeReading("ingest", path, ex.Message);
        }
    }
}
