namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// Aspire's orchestrator (DCP) runs detached from the AppHost: <c>dcp start-apiserver --monitor APPHOST_PID</c>,
/// whose controllers run as <c>dcp run-controllers --monitor APISERVER_PID</c> (dotnet/aspire
/// src/Aspire.Hosting/Dcp/DcpHost.cs, CreateDcpProcessSpec). Told to stop, the API server ends at once, the
/// controllers only at their next look at it, seconds later. Waiting for both means nothing is left running when the
/// AppHost's prompt returns. Linux only (<c>/proc</c>); elsewhere there is nothing to wait for.
/// </summary>
public static class OrchestratorProcesses
{
    /// <summary>The processes that monitor <paramref name="processId"/>, directly or through one another.</summary>
    public static IReadOnlyList<int> Of(int processId)
    {
        var monitored = new Dictionary<int, int>();
        foreach (var (pid, arguments) in CommandLines())
        {
            var monitor = Array.IndexOf(arguments, "--monitor");
            if (monitor >= 0 && monitor + 1 < arguments.Length
                && int.TryParse(arguments[monitor + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var target))
            {
                monitored[pid] = target;
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([processId]);
        while (frontier.TryDequeue(out var watched))
        {
            foreach (var (pid, target) in monitored)
            {
                if (target == watched && !found.Contains(pid))
                {
                    found.Add(pid);
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    /// <summary>Waits until none of <paramref name="processIds"/> runs, or <paramref name="limit"/> has passed.</summary>
    public static async Task WaitForExitAsync(IReadOnlyList<int> processIds, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (processIds.Any(IsRunning) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
        }
    }

    // A zombie (ended, not yet reaped by its parent) still has its /proc entry but no command line.
    private static bool IsRunning(int pid) => File.Exists($"/proc/{pid}/cmdline") && ReadCommandLine(pid) is { Length: > 0 };

    private static IEnumerable<(int Pid, string[] Arguments)> CommandLines()
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadCommandLine(pid) is { Length: > 0 } arguments)
            {
                yield return (pid, arguments);
            }
        }
    }

    private static string[]? ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended while it was being read.
            return null;
        }
    }
}
