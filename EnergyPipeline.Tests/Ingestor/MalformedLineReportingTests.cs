using System.Text;
using EnergyPipeline.Ingestor.Parsing;
using static EnergyPipeline.Tests.Ingestor.ParsingHelpers;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>Every malformed line is counted, however many there are and however long; only the sample is capped.</summary>
public sealed class MalformedLineReportingTests
{
    private const string Good = "16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000";

    /// <summary>The header, one good line, <paramref name="bad"/> lines with a bad hour, one good line.</summary>
    private static string FileWithBadLines(int bad) =>
        Header + "\n" + Good + "\n" +
        string.Concat(Enumerable.Range(0, bad).Select(i => $"16/12/2006;{25 + i}:00:00;1.000;0.100;240.000;4.000;0.000;0.000;0.000\n")) +
        Good.Replace("17:24", "17:25", StringComparison.Ordinal) + "\n";

    [Fact]
    public void Malformed_lines_beyond_the_sample_cap_are_still_counted_and_handed_to_the_sink()
    {
        var sink = new CollectingSink();
        var summary = HouseholdFileReader.Read(
            new MemoryStream(Encoding.UTF8.GetBytes(FileWithBadLines(25))), sink, malformedSampleSize: 3,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((27L, 2L, 25L), (summary.DataLines, summary.Readings, summary.Malformed));
        Assert.Equal([3L, 4L, 5L], summary.MalformedSample.Select(m => m.LineNumber));
        Assert.Equal(Enumerable.Range(3, 25).Select(n => (long)n), sink.Malformed.Select(m => m.LineNumber));
        Assert.All(sink.Malformed, m => Assert.Equal(MalformedReason.BadTime, m.Reason));
    }

    [Fact]
    public void Split_validation_counts_every_malformed_line_beyond_the_cap_too()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, FileWithBadLines(40));
            var summary = HouseholdFileReader.ValidateFile(path, parallelism: 3, minimumBytesToSplit: 0, malformedSampleSize: 4, TestContext.Current.CancellationToken);

            Assert.Equal((42L, 2L, 40L), (summary.DataLines, summary.Readings, summary.Malformed));
            Assert.Equal([3L, 4L, 5L, 6L], summary.MalformedSample.Select(m => m.LineNumber));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(5_000)]
    [InlineData(4_096)]
    [InlineData(20_000)]
    public void A_line_longer_than_the_buffer_is_one_malformed_line_and_the_next_line_is_read(int length)
    {
        var longLine = "16/12/2006;17:25:00;" + new string('7', length);
        var text = Header + "\n" + Good + "\n" + longLine + "\n" + Good.Replace("17:24", "17:26", StringComparison.Ordinal) + "\n";

        var (summary, sink) = Parse(text, bufferSize: 4096);

        Assert.Equal((3L, 2L, 1L), (summary.DataLines, summary.Readings, summary.Malformed));
        var malformed = Assert.Single(summary.MalformedSample);
        Assert.Equal((3L, MalformedReason.LineTooLong), (malformed.LineNumber, malformed.Reason));
        Assert.StartsWith("16/12/2006;17:25:00;777", malformed.Text, StringComparison.Ordinal);
        Assert.Equal([2L, 4L], sink.Readings.Select(r => r.Line));
        Assert.Equal(new DateTime(2006, 12, 16, 17, 26, 0), sink.Readings[1].Reading.Timestamp);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), summary.Bytes);
    }

    [Fact]
    public void A_long_last_line_without_terminator_is_reported_once()
    {
        var text = Header + "\n" + Good + "\n" + new string('x', 9_000);

        var (summary, sink) = Parse(text, bufferSize: 4096);

        Assert.Equal((2L, 1L, 1L), (summary.DataLines, summary.Readings, summary.Malformed));
        Assert.Equal(MalformedReason.LineTooLong, Assert.Single(sink.Malformed).Reason);
    }
}
