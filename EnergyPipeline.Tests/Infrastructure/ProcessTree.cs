using System.Globalization;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// The processes an AppHost runs, read from <c>/proc</c>: its descendants, and Aspire's orchestrator (DCP), which
/// detaches from it and names the process it serves with <c>--monitor PID</c>, with the orchestrator's own descendants
/// (the services, the embedded PostgreSQL, the dashboard). A process is known by its PID and its start time, so a PID
/// reused later by an unrelated process is never taken for one of them.
/// </summary>
internal static class ProcessTree
{
    public sealed record Member(int Pid, long StartTime, string CommandLine);

    /// <summary>The processes running now that belong to <paramref name="root"/>.</summary>
    public static IReadOnlyList<Member> Of(int root)
    {
        var processes = Snapshot();
        var members = new HashSet<int> { root };
        bool added;
        do
        {
            added = false;
            foreach (var process in processes.Values)
            {
                if (!members.Contains(process.Pid) && (members.Contains(process.ParentPid) || process.Monitored is { } monitored && members.Contains(monitored)))
                {
                    added = members.Add(process.Pid) || added;
                }
            }
        }
        while (added);

        return members.Where(processes.ContainsKey).Select(p => new Member(p, processes[p].StartTime, processes[p].CommandLine)).ToList();
    }

    /// <summary>The members that still run (an ended process not yet reaped by its parent, a zombie, does not).</summary>
    public static IReadOnlyList<Member> StillRunning(IEnumerable<Member> members)
    {
        var now = Snapshot();
        return members.Where(m => now.TryGetValue(m.Pid, out var p) && p.StartTime == m.StartTime && !p.Zombie).ToList();
    }

    private sealed record ProcessInfo(int Pid, int ParentPid, long StartTime, bool Zombie, int? Monitored, string CommandLine);

    private static Dictionary<int, ProcessInfo> Snapshot()
    {
        var processes = new Dictionary<int, ProcessInfo>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // stat: "PID (COMM) STATE PPID ..."; COMM may hold spaces and parentheses, so fields count from the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var monitor = Array.IndexOf(arguments, "--monitor");
                int? monitored = monitor >= 0 && monitor + 1 < arguments.Length && int.TryParse(arguments[monitor + 1], CultureInfo.InvariantCulture, out var target) ? target : null;
                processes[pid] = new ProcessInfo(
                    pid, int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture),
                    fields[0] == "Z", monitored, string.Join(' ', arguments));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was being read.
            }
        }

        return processes;
    }
}
