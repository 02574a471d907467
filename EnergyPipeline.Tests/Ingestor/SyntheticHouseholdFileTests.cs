using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Ingestor.Parsing;

namespace EnergyPipeline.Tests.Ingestor;

public sealed partial class SyntheticHouseholdFileTests
{
    private static readonly DateTime RealFirstMinute = new(2006, 12, 16, 17, 24, 0);

    [GeneratedRegex(@"^[1-9]\d?/[1-9]\d?/\d{4};\d\d:\d\d:00;\?;\?;\?;\?;\?;\?;$")]
    private static partial Regex MissingRow();

    [GeneratedRegex(@"^[1-9]\d?/[1-9]\d?/\d{4};\d\d:\d\d:00(;\d+\.\d{3}){7}$")]
    private static partial Regex CompleteRow();

    [Theory]
    [InlineData(10_000)]
    [InlineData(50_000)]
    public void Generated_file_reparses_to_the_grid_and_the_real_missing_proportion(int rows)
    {
        var bytes = Generate(rows, seed: 7);
        var sink = new CollectingSink();
        var summary = HouseholdFileReader.Read(new MemoryStream(bytes), sink, cancellationToken: TestContext.Current.CancellationToken);

        // Independent expectation: 25,979 missing rows in 2,075,259, scaled down and rounded down.
        var expectedMissing = (long)Math.Floor(rows * 25_979.0 / 2_075_259.0);
        Assert.Equal(rows, summary.DataLines);
        Assert.Equal(rows, summary.Readings);
        Assert.Equal(0, summary.Malformed);
        Assert.Equal(expectedMissing, summary.MissingValueRows);
        Assert.Equal(bytes.Length, summary.Bytes);

        for (var i = 0; i < sink.Readings.Count; i++)
        {
            Assert.Equal(RealFirstMinute.AddMinutes(i), sink.Readings[i].Reading.Timestamp);
            var reading = sink.Readings[i].Reading;
            Assert.True(reading.MissingMask is 0 or HouseholdReading.AllMissing, $"row {i} is partly missing");
            if (!reading.HasMissing)
            {
                Assert.InRange(reading.Value(0)!.Value, 0.076m, 11.122m);
                Assert.InRange(reading.Value(2)!.Value, 223m, 255m);
                Assert.Equal(0, reading.Thousandths[4] % 1000);
            }
        }

        // The missing rows come in runs, not scattered one by one.
        var runs = sink.Readings.Zip(sink.Readings.Skip(1)).Count(p => !p.First.Reading.HasMissing && p.Second.Reading.HasMissing);
        Assert.InRange(runs, 1, Math.Max(1, expectedMissing / 2));
        Assert.False(sink.Readings[0].Reading.HasMissing);

        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        Assert.Equal(ParsingHelpers.Header, lines[0]);
        Assert.Equal(string.Empty, lines[^1]);
        var dataLines = lines[1..^1];
        Assert.Equal(expectedMissing, dataLines.Count(l => MissingRow().IsMatch(l)));
        Assert.Equal(rows - expectedMissing, dataLines.Count(l => CompleteRow().IsMatch(l)));
        Assert.StartsWith("16/12/2006;17:24:00;", dataLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Dates_are_unpadded_as_in_the_real_file()
    {
        // 1/1/2007 00:00 is 21,996 minutes after 16/12/2006 17:24 (the 2006Q4 row count).
        var text = Encoding.UTF8.GetString(Generate(21_998, seed: 1)).Split('\n');
        Assert.StartsWith("31/12/2006;23:59:00;", text[21_996], StringComparison.Ordinal);
        Assert.StartsWith("1/1/2007;00:00:00;", text[21_997], StringComparison.Ordinal);
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_other_values()
    {
        Assert.Equal(Generate(5_000, seed: 3), Generate(5_000, seed: 3));
        Assert.NotEqual(Generate(5_000, seed: 3), Generate(5_000, seed: 4));
    }

    [Fact]
    public void Full_default_file_has_the_real_row_count_grid_end_and_missing_count()
    {
        var path = Path.Combine(Path.GetTempPath(), $"energy-full-{Guid.NewGuid():N}.txt");
        try
        {
            SyntheticHouseholdFile.WriteFile(path);
            var summary = HouseholdFileReader.ReadFile(path, NullReadingSink.Instance, cancellationToken: TestContext.Current.CancellationToken);

            // Facts of the real file (docs/contract.md, *The input file*).
            Assert.Equal(2_075_259, summary.DataLines);
            Assert.Equal(2_075_259, summary.Readings);
            Assert.Equal(25_979, summary.MissingValueRows);
            Assert.Equal(0, summary.Malformed);
            Assert.Equal(RealFirstMinute, summary.FirstTimestamp);
            Assert.Equal(new DateTime(2010, 11, 26, 21, 2, 0), summary.LastTimestamp);
            Assert.Equal(new FileInfo(path).Length, summary.Bytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Values_round_trip_through_the_message_json_exactly()
    {
        var bytes = Generate(20_000, seed: 11);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n')[1..^1];
        var sink = new CollectingSink();
        HouseholdFileReader.Read(new MemoryStream(bytes), sink, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(lines.Length, sink.Readings.Count);
        for (var i = 0; i < lines.Length; i++)
        {
            var json = Messaging.EnergyReadingJson.Serialize(sink.Readings[i].Reading.ToEnergyReading());
            Assert.DoesNotContain("NaN", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
            Assert.True(Messaging.EnergyReadingJson.TryParse(json, out var back, out var error), error);

            // Independent parse of the line's text with decimal.Parse.
            var fields = lines[i].Split(';');
            decimal?[] expected = [.. fields[2..].Select(f => f is "?" or "" ? (decimal?)null : decimal.Parse(f, CultureInfo.InvariantCulture))];
            Assert.Equal(expected, new[] { back!.GlobalActivePower, back.GlobalReactivePower, back.Voltage, back.GlobalIntensity, back.SubMetering1, back.SubMetering2, back.SubMetering3 });
            Assert.Equal(DateTime.ParseExact(fields[0] + " " + fields[1], "d/M/yyyy HH:mm:ss", CultureInfo.InvariantCulture), back.Timestamp);
        }
    }

    private static byte[] Generate(long rows, ulong seed)
    {
        using var stream = new MemoryStream();
        SyntheticHouseholdFile.Write(stream, rows, seed);
        return stream.ToArray();
    }
}
