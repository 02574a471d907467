using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Tooling;

/// <summary>
/// Every command line of the repository answers <c>--help</c> without doing its work, and an argument it does not
/// know is one line naming it (exit 2), never the start of a build, a benchmark or an AppHost run.
/// </summary>
public sealed class ScriptHelpTests
{
    /// <summary>Each script of the repository and a line of its usage.</summary>
    private static readonly (string Path, string Usage)[] All =
    [
        (".ci/run", "one closing line `N passed, N failed, N skipped`"),
        ("EnergyPipeline.Tests/Benchmarks/kafka-ratio.sh", "Usage: EnergyPipeline.Tests/Benchmarks/kafka-ratio.sh [--no-build]"),
        ("docs/capture-dashboard.sh", "Usage: docs/capture-dashboard.sh [output directory, default docs/]"),
    ];

    public static TheoryData<string, string> Scripts => new(All);

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Help_prints_the_usage_and_exits_0(string script, string expected)
    {
        foreach (var help in new[] { "--help", "-h", "help" })
        {
            var (exitCode, output, errors) = await RunAsync(script, help);

            Assert.Equal(0, exitCode);
            Assert.Contains(expected, output, StringComparison.Ordinal);
            Assert.DoesNotContain("#", output, StringComparison.Ordinal);
            Assert.Equal("", errors);
        }
    }

    public static TheoryData<string> ScriptPaths => new(All.Select(script => script.Path));

    [Theory]
    [MemberData(nameof(ScriptPaths))]
    public async Task An_unknown_option_is_one_line_naming_it_and_exit_2(string script)
    {
        var (exitCode, output, errors) = await RunAsync(script, "--no-such-option");

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--no-such-option", line, StringComparison.Ordinal);
    }

    private static Task<ChildProcess.Result> RunAsync(string script, string argument) =>
        ChildProcess.RunAsync("bash", [RepositoryFiles.PathOf(script.Split('/')), argument], TimeSpan.FromSeconds(30), RepositoryFiles.Root);
}
