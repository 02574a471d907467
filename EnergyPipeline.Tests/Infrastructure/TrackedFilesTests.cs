namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>Outside a git checkout the repository's files are found by .gitignore: the same files git tracks here.</summary>
public sealed class TrackedFilesTests
{
    [Fact]
    public void Without_git_the_files_not_ignored_are_the_tracked_ones()
    {
        Assert.SkipUnless(File.Exists(RepositoryFiles.PathOf(".git")) || Directory.Exists(RepositoryFiles.PathOf(".git")), "not a git checkout");
        var tracked = TrackedFiles.GitListed().Where(f => File.Exists(RepositoryFiles.PathOf(f))).ToHashSet(StringComparer.Ordinal);

        var found = TrackedFiles.NotIgnored().ToHashSet(StringComparer.Ordinal);

        Assert.Contains("README.md", tracked);
        var untracked = Untracked();
        Assert.Equal([], tracked.Except(found).Order(StringComparer.Ordinal));
        Assert.Equal([], found.Except(tracked).Except(untracked).Order(StringComparer.Ordinal));
    }

    /// <summary>Files of the working tree that are neither tracked nor ignored (work in progress).</summary>
    private static HashSet<string> Untracked()
    {
        var start = new System.Diagnostics.ProcessStartInfo("git", ["ls-files", "--others", "--exclude-standard", "-z"])
        {
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
        };
        using var git = System.Diagnostics.Process.Start(start)!;
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }
}
