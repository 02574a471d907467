using System.Diagnostics;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>What <c>validate</c> reports for files with many or very long malformed lines, as a user sees it.</summary>
[Collection(IngestorActivityCollection.Name)]
public sealed class ValidateCommandReportTests : IDisposable
{
    private const string Good = "16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000";
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-validate-").FullName;

    [Fact]
    public async Task More_malformed_lines_than_the_sample_are_all_counted()
    {
        var path = Path.Combine(_directory, "many-bad.txt");
        var bad = Enumerable.Range(0, 35).Select(i => $"{40 + i}/12/2006;17:24:00;1.000;0.100;240.000;4.000;0.000;0.000;0.000");
        await File.WriteAllLinesAsync(path, [ParsingHelpers.Header, Good, .. bad], TestContext.Current.CancellationToken);

        var (code, output, errors, elapsed) = await Run("validate", "--file", path);

        Assert.Equal(1, code);
        var json = IngestorCli.LastLineJson(output);
        Assert.Equal(36, json.GetProperty("rows_read").GetInt64());
        Assert.Equal(35, json.GetProperty("malformed").GetInt64());
        // The sample printed is the first lines (20 by default), each with its line number.
        var printed = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20, printed.Length);
        Assert.StartsWith("malformed line 3: bad_date", printed[0], StringComparison.Ordinal);
        Assert.InRange(json.GetProperty("seconds").GetDouble(), 0, elapsed.TotalSeconds + 0.0005); // rounded to 3 decimals
    }

    [Fact]
    public async Task A_line_longer_than_the_read_buffer_is_reported_malformed()
    {
        var path = Path.Combine(_directory, "long-line.txt");
        var longLine = "16/12/2006;17:25:00;" + new string('9', 1_100_000);
        await File.WriteAllLinesAsync(path, [ParsingHelpers.Header, Good, longLine, Good.Replace("17:24", "17:26", StringComparison.Ordinal)],
            TestContext.Current.CancellationToken);

        var (code, output, errors, _) = await Run("validate", "--file", path);

        Assert.Equal(1, code);
        var json = IngestorCli.LastLineJson(output);
        Assert.Equal(3, json.GetProperty("rows_read").GetInt64());
        Assert.Equal(1, json.GetProperty("malformed").GetInt64());
        Assert.Contains("malformed line 3: line_too_long", errors, StringComparison.Ordinal);
        Assert.Equal(new FileInfo(path).Length, json.GetProperty("bytes").GetInt64());
    }

    private static async Task<(int Code, string Output, string Errors, TimeSpan Elapsed)> Run(params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var (code, output, errors) = await IngestorCli.RunAsync(args);
        return (code, output, errors, clock.Elapsed);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
