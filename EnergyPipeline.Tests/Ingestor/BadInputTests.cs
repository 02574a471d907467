using EnergyPipeline.Ingestor.Generation;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>One test per bad input a user gives the ingestor's command line: the message names the real cause.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-badinput-").FullName;

    [Fact]
    public async Task A_directory_as_file_is_named_a_directory()
    {
        var (code, _, errors) = await IngestorCli.RunAsync("validate", "--file", _directory);

        Assert.Equal(2, code);
        Assert.Contains($"'{_directory}' is a directory", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_to_ingest_is_named_a_directory()
    {
        var (code, output, errors) = await IngestorCli.RunAsync("ingest", "--file", _directory, "--ConnectionStrings:kafka=127.0.0.1:9", "--Ingestor:ConnectTimeout=1");

        Assert.Equal(2, code);
        Assert.Contains($"'{_directory}' is a directory", errors, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_file_without_line_breaks_says_so()
    {
        var path = Path.Combine(_directory, "one-line.txt");
        await File.WriteAllTextAsync(path, new string('a', 200_000), TestContext.Current.CancellationToken);

        var (code, _, errors) = await IngestorCli.RunAsync("validate", "--file", path);

        Assert.Equal(1, code);
        Assert.Contains("no line break in the first 65,536 bytes", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binary_file_is_named_binary_without_echoing_its_bytes()
    {
        var path = Path.Combine(_directory, "data.bin");
        var bytes = new byte[50_000];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);

        var (code, _, errors) = await IngestorCli.RunAsync("validate", "--file", path);

        Assert.Equal(1, code);
        Assert.Contains("looks like a binary file", errors, StringComparison.Ordinal);
        Assert.DoesNotContain(errors, c => char.IsControl(c) && c is not ('\n' or '\r'));
        Assert.DoesNotContain('\uFFFD', errors);
    }

    [Fact]
    public async Task Generate_to_a_directory_exits_1_with_a_clear_error()
    {
        var (code, _, errors) = await IngestorCli.RunAsync("generate", "--output", _directory, "--rows", "10");

        Assert.Equal(1, code);
        Assert.Contains("is a directory", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_to_an_unwritable_path_exits_1_with_a_clear_error()
    {
        // A path below a regular file cannot be created, whoever runs the test (root included).
        var file = Path.Combine(_directory, "plain.txt");
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);

        var (code, _, errors) = await IngestorCli.RunAsync("generate", "--output", Path.Combine(file, "out.txt"), "--rows", "10");

        Assert.Equal(1, code);
        Assert.Contains("cannot write --output", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_overwrites_an_existing_file_only_with_force()
    {
        var path = Path.Combine(_directory, "existing.txt");
        await File.WriteAllTextAsync(path, "keep me", TestContext.Current.CancellationToken);

        var (code, _, errors) = await IngestorCli.RunAsync("generate", "--output", path, "--rows", "10");
        Assert.Equal(2, code);
        Assert.Contains("add --force", errors, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));

        (code, _, _) = await IngestorCli.RunAsync("generate", "--output", path, "--rows", "10", "--force");
        Assert.Equal(0, code);
        Assert.Equal(11, File.ReadLines(path).Count());
    }

    [Fact]
    public async Task An_unknown_option_is_named_and_does_not_swallow_the_next_argument()
    {
        var (code, _, errors) = await IngestorCli.RunAsync("ingest", "--fiel", "data.txt", "--ConnectionStrings:kafka=127.0.0.1:9");

        Assert.Equal(2, code);
        Assert.Contains("Unknown option '--fiel' for 'ingest'", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--force", "--help")]
    [InlineData("--force", "-h")]
    [InlineData("--force", "help")]
    [InlineData("--file", "ingest", "--help")]
    [InlineData("--force", "generate", "-h")]
    [InlineData("--file", "validate", "--help")]
    public async Task Help_prints_the_usage_and_exits_0(string option, params string[] args)
    {
        var (code, output, errors) = await IngestorCli.RunAsync(args);

        Assert.Equal(0, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains(option, output, StringComparison.Ordinal);
        Assert.Empty(errors);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
