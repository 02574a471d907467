using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;
using EnergyPipeline.AppHost.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>Where the AppHost's own story goes: the console, or a test's writer.</summary>
public sealed class PipelineConsoleOutput(TextWriter writer)
{
    public TextWriter Writer { get; } = writer;
}

/// <summary>
/// Tells the pipeline's story on the AppHost console, so nobody has to open the dashboard to learn the outcome: one
/// line per finished service (succeeded or failed, exit code, on failure the last error line of its log), a resource
/// waiting on a failed one at once, and when the job has succeeded, where the results are.
/// </summary>
public sealed class PipelineConsoleReport(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    IConfiguration configuration,
    PipelineConsoleOutput output) : BackgroundService
{

    private readonly ConcurrentDictionary<string, string> _lastErrorLine = new();
    private readonly ConcurrentDictionary<string, string> _lastLine = new();
    private readonly ConcurrentDictionary<string, string> _summaryLine = new();
    private readonly ConcurrentDictionary<string, CustomResourceSnapshot> _states = new();
    private readonly HashSet<string> _watchedLogs = [];
    private readonly HashSet<string> _reported = [];

    /// <summary>Registers the report (the console by default).</summary>
    public static void AddTo(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new PipelineConsoleOutput(Console.Out));
        builder.Services.AddHostedService<PipelineConsoleReport>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var change in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                _states[change.Resource.Name] = change.Snapshot;
                if (change.Resource is ProjectResource && _watchedLogs.Add(change.ResourceId))
                {
                    _ = WatchLogsAsync(change.Resource.Name, change.ResourceId, stoppingToken);
                }

                if (change.Resource is ProjectResource && IsTerminal(change.Snapshot))
                {
                    await ReportFinishedAsync(change.Resource.Name, change.Snapshot, stoppingToken).ConfigureAwait(false);
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
            }

            return;
        }

        if (snapshot.ExitCode == 0)
        {
            // The summary line arrives after the state too (DCP streams the log): wait a little for it.
            for (var waited = 0; waited < 100 && !_summaryLine.ContainsKey(name); waited++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }

            Write($"{name}: succeeded (exit code 0){(_summaryLine.TryGetValue(name, out var summary) ? SkippedLines(summary) : "")}.");
            if (name == ResourceNames.Job)
            {
                WriteResults();
            }
        }
        else
        {
            // The log's last lines arrive after the state (DCP streams them): wait a little for the error line.
            for (var waited = 0; waited < 100 && !_lastErrorLine.ContainsKey(name); waited++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }

            var lastError = _lastErrorLine.TryGetValue(name, out var line) || _lastLine.TryGetValue(name, out line) ? $": {line}" : "";
            Write($"{name}: failed (exit code {snapshot.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}){lastError}");
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

    private void WriteResults()
    {
        var dashboard = (configuration["ASPNETCORE_URLS"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (dashboard is not null)
        {
            Write($"Results: dashboard {dashboard}");
        }

        const string query = "SELECT * FROM quarterly_energy_data ORDER BY quarter";
        switch (model.Resources.FirstOrDefault(r => r.Name == ResourceNames.Postgres))
        {
            case EmbeddedPostgresResource embedded:
                Write($"Results: psql '{embedded.PsqlUri}' -c '{query}'   (embedded server, trusts loopback: no password; gone when the AppHost stops)");
                break;
            case PostgresServerResource server when server.PrimaryEndpoint.IsAllocated:
                Write(string.Create(CultureInfo.InvariantCulture,
                    $"Results: psql 'postgresql://postgres@localhost:{server.PrimaryEndpoint.Port}/{PipelineNames.DatabaseConnection}' -c '{query}'   (password: the parameter postgres-password, shown on the dashboard's postgres resource; `dotnet user-secrets list --project EnergyPipeline.AppHost` when set there)"));
                break;
            default:
                Write($"Results: table quarterly_energy_data in the database given as ConnectionStrings:{PipelineNames.DatabaseConnection}");
                break;
        }
    }

    private async Task WatchLogsAsync(string name, string resourceId, CancellationToken cancellationToken)
    {
        var failLinePending = false;
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

                    _lastLine[name] = text;
                    if (text.StartsWith('{') && text.Contains("\"status\"", StringComparison.Ordinal))
                    {
                        _summaryLine[name] = text;
                    }

                    // Both services end a failed run with a JSON summary line whose "error" is the one-line reason.
                    if (SummaryError(text) is { } summaryError)
                    {
                        _lastErrorLine[name] = summaryError;
                        failLinePending = false;
                        continue;
                    }

                    // Console logger format: "fail: Category[0]" then the message on the next line.
                    if (failLinePending)
                    {
                        _lastErrorLine[name] = text;
                        failLinePending = false;
                    }
                    else if (text.StartsWith("fail:", StringComparison.Ordinal) || text.StartsWith("crit:", StringComparison.Ordinal))
                    {
                        failLinePending = true;
                    }
                    else if (line.IsErrorMessage)
                    {
                        _lastErrorLine[name] = text;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    /// <summary>
    /// What a service's JSON summary line says about lines it skipped: <c>; 1 malformed line skipped (bad_time 1)</c>
    /// for the ingestor's <c>malformed</c> and <c>malformed_by_reason</c>; empty when it skipped none or says nothing of it.
    /// </summary>
    public static string SkippedLines(string summaryLine)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(summaryLine);
            if (!json.RootElement.TryGetProperty("malformed", out var malformed) || !malformed.TryGetInt64(out var lines) || lines == 0)
            {
                return "";
            }

            var reasons = json.RootElement.TryGetProperty("malformed_by_reason", out var byReason) && byReason.ValueKind == System.Text.Json.JsonValueKind.Object
                ? string.Join(", ", byReason.EnumerateObject().Select(r => $"{r.Name} {r.Value.GetRawText()}"))
                : "";
            return string.Create(CultureInfo.InvariantCulture, $"; {lines:N0} malformed line{(lines == 1 ? "" : "s")} skipped ({reasons}, within Ingestor:MaxMalformedLines)");
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }

    private static string? SummaryError(string line)
    {
        if (!line.StartsWith('{') || !line.Contains("\"error\"", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == System.Text.Json.JsonValueKind.String
                ? error.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
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

    private void Write(string line)
    {
        lock (output)
        {
            output.Writer.WriteLine(line);
            output.Writer.Flush();
        }
    }
}
