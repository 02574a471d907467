using System.Diagnostics;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// The files of the repository, as paths relative to its root with '/' separators: what <c>git ls-files</c> lists,
/// or, outside a git checkout (a scratch copy such as the mutation runner's, a source archive), the files below the
/// root that the repository's <c>.gitignore</c> does not exclude.
/// </summary>
internal static class TrackedFiles
{
    private static readonly Lazy<IReadOnlyList<string>> Files = new(List);

    public static IReadOnlyList<string> All => Files.Value;

    private static IReadOnlyList<string> List()
    {
        // .git is a folder in a clone and a file in a worktree.
        var git = RepositoryFiles.PathOf(".git");
        var listed = Directory.Exists(git) || File.Exists(git) ? GitListed() : NotIgnored();

        // A file deleted in the working tree but not yet in the index is not part of what is checked.
        return listed.Where(f => File.Exists(RepositoryFiles.PathOf(f))).ToList();
    }

    internal static IEnumerable<string> GitListed()
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
        return git.ExitCode == 0
            ? output.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            : throw new InvalidOperationException($"git ls-files in {RepositoryFiles.Root} failed ({git.ExitCode}): {errors.Result}");
    }

    /// <summary>The simple patterns .gitignore holds here: <c>name/</c> (a folder), <c>*.ext</c>, <c>name</c>.</summary>
    internal static IEnumerable<string> NotIgnored()
    {
        var patterns = File.ReadAllLines(RepositoryFiles.PathOf(".gitignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var folders = patterns.Where(p => p.EndsWith('/')).Select(p => p.TrimEnd('/')).Append(".git").ToHashSet(StringComparer.Ordinal);
        var extensions = patterns.Where(p => p.StartsWith("*.", StringComparison.Ordinal)).Select(p => p[1..]).ToList();
        var names = patterns.Where(p => !p.EndsWith('/') && !p.StartsWith('*')).Append(".git").ToHashSet(StringComparer.Ordinal);
        return Directory.EnumerateFiles(RepositoryFiles.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryFiles.Root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/')[..^1].Any(folders.Contains)
                && !names.Contains(Path.GetFileName(f))
                && !extensions.Any(e => f.EndsWith(e, StringComparison.Ordinal)));
    }
}
