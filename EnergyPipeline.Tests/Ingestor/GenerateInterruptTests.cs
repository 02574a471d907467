using System.Runtime.InteropServices;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>
/// <c>generate</c> stopped mid-way, in its own process, by Ctrl+C or SIGTERM sent once its temporary file has appeared:
/// one line, the conventional exit code, and never a partial file under the requested name (an existing one stays).
/// </summary>
public sealed class GenerateInterruptTests : IDisposable
{
    /// <summary>Four times the data set (about 520 MB, seconds of writing): the signal comes long before the end even on a loaded machine.</summary>
    private const string Rows = "8000000";

    private readonly string _directory = Directory.CreateTempSubdirectory("energy-generate-").FullName;

    [Fact]
    public async Task Ctrl_C_leaves_no_file_under_the_requested_name()
    {
        var output = Path.Combine(_directory, "household_power_consumption.txt");
        using var generate = ChildProcess.StartProject("EnergyPipeline.Ingestor", new Dictionary<string, string>(), "generate", "--output", output, "--rows", Rows);

        await InterruptWhenWritingAsync(generate, PosixSignal.SIGINT);

        Assert.Equal(130, (await generate.WaitAsync(TimeSpan.FromMinutes(1))).ExitCode);
        Assert.Equal($"Stopped by Ctrl+C: '{output}' was not written.", generate.Errors.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task SIGTERM_while_overwriting_leaves_the_existing_file_as_it_was()
    {
        var output = Path.Combine(_directory, "household_power_consumption.txt");
        await File.WriteAllTextAsync(output, "the file that was here\n", TestContext.Current.CancellationToken);
        using var generate = ChildProcess.StartProject("EnergyPipeline.Ingestor", new Dictionary<string, string>(), "generate", "--output", output, "--rows", Rows, "--force");

        await InterruptWhenWritingAsync(generate, PosixSignal.SIGTERM);

        Assert.Equal(143, (await generate.WaitAsync(TimeSpan.FromMinutes(1))).ExitCode);
        Assert.Equal($"Stopped by SIGTERM: '{output}' is left as it was.", generate.Errors.Trim());
        Assert.Equal([output], Directory.EnumerateFileSystemEntries(_directory));
        Assert.Equal("the file that was here\n", await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
    }

    /// <summary>The event: the temporary file exists, so the file is being written.</summary>
    private async Task InterruptWhenWritingAsync(ChildProcess.Running generate, PosixSignal signal)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        while (!Directory.EnumerateFiles(_directory, "*.part").Any())
        {
            await Task.Delay(5, deadline.Token);
        }

        generate.Signal(signal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
