using System.Diagnostics;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>The files git tracks in the repository (<c>git ls-files</c>), as paths relative to its root with '/' separators.</summary>
internal static class TrackedFiles
{
    private static readonly Lazy<IReadOnlyList<string>> Files = new(List);

    public static IReadOnlyList<string> All => Files.Value;

    private static IReadOnlyList<string> List()
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = RepositoryFiles.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "ls-files", "-z" })
        {
            start.ArgumentList.Add(argument);
        }

        using var git = Process.Start(start) ?? throw new InvalidOperationException("could not start git");
        var errors = git.StandardError.ReadToEndAsync();
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0)
        {
            throw new InvalidOperationException($"git ls-files in {RepositoryFiles.Root} failed ({git.ExitCode}): {errors.Result}");
        }

        // A file deleted in the working tree but not yet in the index is not part of what is checked.
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(RepositoryFiles.PathOf(f))).ToList();
    }
}
