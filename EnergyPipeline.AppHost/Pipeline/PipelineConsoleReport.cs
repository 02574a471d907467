using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>Where the AppHost's own story goes: the console, or a test's writer.</summary>
public sealed class PipelineConsoleOutput(TextWriter writer)
{
    public TextWriter Writer { get; } = writer;
}

/// <summary>The resources whose addresses the console prints with the results.</summary>
public sealed record PipelineConsoleResources(IResourceWithConnectionString Database, IResourceWithConnectionString Kafka);

/// <summary>
/// Tells the pipeline's story on the AppHost console, so nobody has to open the dashboard to learn the outcome: a line
/// when a service starts, its progress (at most every tenth or every 10 s), one line when it ends (what it did, from
/// its summary line, or why it failed, from its first error line), a resource waiting on a failed one at once, and
/// when the job has succeeded, the figures as a table and a chart and where to find them. Silent once the AppHost is
/// interrupted: that gets its own line (<see cref="AppHostSession"/>). With <c>Pipeline:ExitWhenDone=true</c> it
/// stops the AppHost when the run's outcome is known.
/// </summary>
public sealed class PipelineConsoleReport(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    PipelineRunState run,
    PipelineConsoleResources resources,
    PipelineConsoleOutput output) : IHostedLifecycleService, IDisposable
{
    public const string ExitWhenDoneSetting = "Pipeline:ExitWhenDone";

    private readonly ConcurrentDictionary<string, ServiceOutput> _outputs = new();
    private readonly ProgressRelay _progress = new(TimeProvider.System);
    private readonly ConcurrentDictionary<string, CustomResourceSnapshot> _states = new();
    private readonly HashSet<string> _watchedLogs = [];
    private readonly HashSet<string> _reported = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watching;
    private int _stopped;

    /// <summary>Registers the report (the console by default); a wrong <c>Pipeline:ExitWhenDone</c> is a configuration error.</summary>
    public static void AddTo(IDistributedApplicationBuilder builder, IResourceWithConnectionString database, IResourceWithConnectionString kafka)
    {
        ReadExitWhenDone(builder.Configuration);
        builder.Services.TryAddSingleton(new PipelineConsoleOutput(Console.Out));
        builder.Services.TryAddSingleton<PipelineRunState>();
        builder.Services.AddSingleton(new PipelineConsoleResources(database, kafka));
        builder.Services.AddHostedService<PipelineConsoleReport>();
    }

    public static bool ReadExitWhenDone(IConfiguration configuration)
    {
        var value = configuration[ExitWhenDoneSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        return bool.TryParse(value, out var exit) ? exit : throw new PipelineConfigurationException($"{ExitWhenDoneSetting} is '{value}'; use true or false.");
    }

    /// <summary>
    /// Starts following the resources before any hosted service starts: the orchestrator's own start lasts until the
    /// ingestor has finished (the job waits for it to complete), and the report tells that part too.
    /// </summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _watching = Task.Run(() => FollowAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The testing host stops twice, the second time after disposing the services.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watching is not null)
        {
            await _watching.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        Interlocked.Exchange(ref _stopped, 1);
        _stopping.Dispose();
    }

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var change in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                var name = change.Resource.Name;
                var previous = _states.TryGetValue(name, out var before) ? before : null;
                _states[name] = change.Snapshot;
                run.Observe(_states.GetValueOrDefault(ResourceNames.Ingestor), _states.GetValueOrDefault(ResourceNames.Job));
                if (change.Resource is not ProjectResource)
                {
                    ReportWaitingOnFailed();
                    continue;
                }

                if (_watchedLogs.Add(change.ResourceId))
                {
                    _ = WatchLogsAsync(name, change.ResourceId, stoppingToken);
                }

                if (IsRunning(change.Snapshot) && Once($"{name}|started|{change.Snapshot.StartTimeStamp?.Ticks}"))
                {
                    if (previous is not null && IsTerminal(previous))
                    {
                        // A re-run from the dashboard: the output of the run before is not this run's.
                        _outputs[name] = new ServiceOutput();
                        _progress.Reset(name);
                    }

                    Write($"{name}: started.");
                }

                if (IsTerminal(change.Snapshot))
                {
                    await ReportFinishedAsync(name, change.Snapshot, stoppingToken).ConfigureAwait(false);
                }

                ReportWaitingOnFailed();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    private async Task ReportFinishedAsync(string name, CustomResourceSnapshot snapshot, CancellationToken cancellationToken)
    {
        var state = snapshot.State?.Text;
        if (!Once($"{name}|{snapshot.StartTimeStamp?.Ticks}|{snapshot.StopTimeStamp?.Ticks}|{state}"))
        {
            return;
        }

        if (state == KnownResourceStates.FailedToStart)
        {
            if (Once($"{name}|waiting-on-failed"))
            {
                Write($"{name}: not started{WaitedOnFailedReason(name)}.");
                Finish(succeeded: false);
            }

            return;
        }

        // The log's last lines arrive after the state (DCP streams them): wait a little for the summary or the error line.
        var serviceOutput = _outputs.GetOrAdd(name, _ => new ServiceOutput());
        for (var waited = 0; waited < 100 && !serviceOutput.HasEnded; waited++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        if (snapshot.ExitCode == 0)
        {
            var figures = serviceOutput.SummaryLine is { } summary ? ServiceSummaryLine.Describe(name, summary) : null;
            Write(figures is null ? $"{name}: succeeded." : $"{name}: succeeded — {figures}");
            if (name == ResourceNames.Job)
            {
                await WriteResultsAsync(cancellationToken).ConfigureAwait(false);
                Finish(succeeded: _states.TryGetValue(ResourceNames.Ingestor, out var ingestor) && ingestor.ExitCode == 0);
            }
        }
        else
        {
            var reason = serviceOutput.FailureReason is { } cause ? $" — {cause}" : "";
            Write($"{name}: failed (exit code {snapshot.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}){reason}");
            if (name == ResourceNames.Job)
            {
                Finish(succeeded: false);
            }
        }
    }

    /// <summary>The run's outcome is known: recorded for the exit code, and in the run-once mode the AppHost stops.</summary>
    private void Finish(bool succeeded)
    {
        if (run.Finish(succeeded) && ReadExitWhenDone(configuration))
        {
            run.RequestExit();
            lifetime.StopApplication();
        }
    }

    private void ReportWaitingOnFailed()
    {
        foreach (var resource in model.Resources)
        {
            if (!resource.TryGetAnnotationsOfType<WaitAnnotation>(out var waits)
                || !_states.TryGetValue(resource.Name, out var own)
                || own.State?.Text is not (nameof(KnownResourceStates.Waiting) or nameof(KnownResourceStates.NotStarted)))
            {
                continue;
            }

            var failed = waits.Select(w => w.Resource.Name).FirstOrDefault(n => _states.TryGetValue(n, out var d) && HasFailed(d));
            if (failed is not null && Once($"{resource.Name}|waiting-on-failed"))
            {
                Write($"{resource.Name}: not started: it waits for {failed}, which {Describe(_states[failed])}.");
                if (resource.Name == ResourceNames.Job)
                {
                    Finish(succeeded: false);
                }
            }
        }
    }

    private string WaitedOnFailedReason(string name)
    {
        var resource = model.Resources.FirstOrDefault(r => r.Name == name);
        if (resource is null || !resource.TryGetAnnotationsOfType<WaitAnnotation>(out var waits))
        {
            return "";
        }

        var failed = waits.Select(w => w.Resource.Name).FirstOrDefault(n => _states.TryGetValue(n, out var d) && HasFailed(d));
        if (failed is not null)
        {
            return $": it waited for {failed}, which {Describe(_states[failed])}";
        }

        // The orchestrator can fail the waiting resource before the failed one's own end reaches this report.
        var unfinished = waits.Where(w => w.WaitType == WaitType.WaitForCompletion).Select(w => w.Resource.Name).ToList();
        return unfinished.Count == 0 ? "" : $": it waited for {string.Join(" and ", unfinished)} to complete successfully, which did not happen";
    }

    /// <summary>The figures as a table and a chart, then where they are: the dashboard, a psql command, Kafka's address.</summary>
    private async Task WriteResultsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connectionString = await resources.Database.GetConnectionStringAsync(cancellationToken).ConfigureAwait(false);
            var rows = await QuarterlyResultsView.ReadAsync(connectionString ?? "", cancellationToken).ConfigureAwait(false);
            if (!run.Interrupted)
            {
                lock (output)
                {
                    QuarterlyResultsView.Render(rows, output.Writer);
                    output.Writer.Flush();
                }
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            Write($"Results: the figures could not be read for the console ({ex.Message}); the psql command below reads them.");
        }

        var dashboard = (configuration["ASPNETCORE_URLS"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (dashboard is not null)
        {
            Write($"Results: dashboard {dashboard}");
        }

        const string query = "SELECT quarter, total_energy_wh, record_count, reading_count, missing_count FROM quarterly_energy_data ORDER BY quarter";
        switch (resources.Database)
        {
            case EmbeddedPostgresResource embedded:
                var kept = embedded.Directory.IsKept ? $"data kept in {embedded.Directory.DataDirectory}" : "a throw-away server, gone when the AppHost stops";
                Write($"Results: psql '{embedded.PsqlUri}' -c '{query}'   (embedded server; its password is in the file the URI names, readable by you only; {kept})");
                break;
            case PostgresDatabaseResource { Parent: var server } when server.PrimaryEndpoint.IsAllocated:
                Write(string.Create(CultureInfo.InvariantCulture,
                    $"Results: psql 'postgresql://postgres@localhost:{server.PrimaryEndpoint.Port}/{PipelineNames.DatabaseConnection}' -c '{query}'   (password: the parameter postgres-password, shown on the dashboard's postgres resource; `dotnet user-secrets list --project EnergyPipeline.AppHost` when set there)"));
                break;
            default:
                Write($"Results: table quarterly_energy_data in the database given as ConnectionStrings:{PipelineNames.DatabaseConnection}");
                break;
        }

        if (resources.Kafka is EmbeddedKafkaResource { IsStarted: true } kafka)
        {
            Write($"Kafka: {kafka.Cluster.BootstrapServers}   (embedded, inside this AppHost; run a service by hand with --ConnectionStrings:kafka={kafka.Cluster.BootstrapServers}{ByHandKey})");
        }
        else if (resources.Kafka is not ConnectionStringResource
                 && await resources.Kafka.GetConnectionStringAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } bootstrap)
        {
            Write($"Kafka: {bootstrap}   (run a service by hand with --ConnectionStrings:kafka={bootstrap}{ByHandKey})");
        }
    }

    /// <summary>The key a service run by hand needs for the AppHost's completion records; its value stays in the user secrets.</summary>
    private static readonly string ByHandKey =
        $" and --{Messaging.CompletionKey.Setting}=KEY, KEY being Parameters:{ResourceNames.CompletionKey} in `dotnet user-secrets list --project EnergyPipeline.AppHost`";

    private async Task WatchLogsAsync(string name, string resourceId, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                foreach (var line in batch)
                {
                    var text = WithoutTimestamp(line.Content).Trim();
                    // "[sys]" lines are DCP's own (starting the process), not the service's.
                    if (text.Length == 0 || text.StartsWith("[sys]", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (_outputs.GetOrAdd(name, _ => new ServiceOutput()).Add(text, line.IsErrorMessage) is { } progress
                        && _progress.ShouldShow(name, progress))
                    {
                        Write($"{name}: {text}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    /// <summary>DCP prefixes captured lines with an RFC 3339 timestamp.</summary>
    private static string WithoutTimestamp(string content)
    {
        var space = content.IndexOf(' ');
        return space > 0 && DateTimeOffset.TryParse(content[..space], CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? content[(space + 1)..]
            : content;
    }

    private static bool IsRunning(CustomResourceSnapshot? snapshot) => snapshot?.State?.Text == KnownResourceStates.Running;

    private static bool IsTerminal(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state);

    private static bool HasFailed(CustomResourceSnapshot snapshot) => snapshot.State?.Text switch
    {
        var s when s == KnownResourceStates.FailedToStart || s == KnownResourceStates.RuntimeUnhealthy => true,
        var s when s == KnownResourceStates.Exited || s == KnownResourceStates.Finished => snapshot.ExitCode is not 0,
        _ => false,
    };

    private static string Describe(CustomResourceSnapshot snapshot) => snapshot.State?.Text switch
    {
        var s when s == KnownResourceStates.RuntimeUnhealthy => "cannot start: the container runtime is unhealthy",
        var s when s == KnownResourceStates.FailedToStart => "failed to start",
        _ => $"failed (exit code {snapshot.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"})",
    };

    private bool Once(string key)
    {
        lock (_reported)
        {
            return _reported.Add(key);
        }
    }

    /// <summary>One line on the console, unless the AppHost was interrupted (that gets its own one line).</summary>
    private void Write(string line)
    {
        lock (output)
        {
            if (run.Interrupted)
            {
                return;
            }

            output.Writer.WriteLine(line);
            output.Writer.Flush();
        }
    }
}
