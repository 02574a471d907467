namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// What a .NET process leaves in the temporary directory when a test kills it (SIGKILL): the runtime's diagnostic IPC
/// files (<c>clr-debug-pipe-PID-*</c>, <c>dotnet-diagnostic-PID-*</c>), which only its own exit removes.
/// </summary>
internal static class KilledProcessFiles
{
    public static void Remove(int processId)
    {
        foreach (var pattern in new[] { $"clr-debug-pipe-{processId}-*", $"dotnet-diagnostic-{processId}-*" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.GetTempPath(), pattern))
            {
                File.Delete(file);
            }
        }
    }
}
