using System.Buffers;
using System.Text;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Ingestion;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;

namespace EnergyPipeline.Tests.Job;

/// <summary>
/// The real UCI file, when it is in <c>data/</c> with its known SHA-256: every line through the ingestor's parser (the
/// file's rules), every reading as the ingestor's message through the job's contract reader and aggregation (the
/// message rules), checked against the real file's counts and totals (docs/contract.md, *The input file*) and against a decimal computation.
/// Explicit (about a minute): <c>dotnet test --project EnergyPipeline.Tests -- --filter-class "*RealDataSetTests" --explicit only</c>.
/// </summary>
public sealed class RealDataSetTests(ITestOutputHelper output)
{
    private static readonly long[] KnownRowsPerQuarter =
    [
        21_996, 129_600, 131_040, 132_480, 132_480, 131_040, 131_040, 132_480, 132_480,
        129_600, 131_040, 132_480, 132_480, 129_600, 131_040, 132_480, 81_903,
    ];

    [Fact(Explicit = true)]
    public void The_real_file_gives_its_known_counts_and_totals_through_both_validity_rules_and_the_aggregation()
    {
        var path = FindRealFile();
        if (path is null)
        {
            Assert.Skip($"Needs data/{HouseholdPowerFormat.FileName} with SHA-256 {IngestorOptions.RealFileSha256} (the UCI download).");
        }

        var sink = new AggregatingSink();
        var parse = HouseholdFileReader.ReadFile(path, sink, cancellationToken: TestContext.Current.CancellationToken);
        var result = sink.Aggregator.Complete();
        output.WriteLine($"{parse.DataLines} lines, {result.Invalid} invalid messages");

        Assert.Equal((2_075_259L, 0L, 25_979L), (parse.DataLines, parse.Malformed, parse.MissingValueRows));
        Assert.Equal(2_237_024.862m, parse.GlobalActivePowerSum);
        Assert.Equal((2_075_259L, 0L, 0L), (result.MessagesRead, result.Invalid, result.DuplicatesDropped));
        Assert.Empty(sink.InvalidReasons);
        Assert.Equal(KnownRowsPerQuarter, result.Quarters.Select(q => q.ReadingCount));
        Assert.Equal(2_049_280, result.Quarters.Sum(q => q.RecordCount));
        // 37,283,747.7 Wh in total; each of the 17 quarters is rounded to a thousandth on its own.
        Assert.InRange(result.Quarters.Sum(q => q.TotalEnergyWh), 37_283_747.7m - 0.009m, 37_283_747.7m + 0.009m);
        Assert.Equal(new DateTime(2006, 12, 16, 17, 24, 0), result.Quarters[0].FirstReadingAt);
        Assert.Equal(new DateTime(2010, 11, 26, 21, 2, 0), result.Quarters[^1].LastReadingAt);
        Assert.Equal(IndependentFigures.Of(sink.Readings), result.Quarters);
    }

    private static string? FindRealFile()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EnergyPipeline.sln")))
            {
                var path = Path.Combine(directory.FullName, "data", HouseholdPowerFormat.FileName);
                return File.Exists(path) && Infrastructure.IndependentSha256.OfFile(path) == IngestorOptions.RealFileSha256 ? path : null;
            }
        }

        return null;
    }

    /// <summary>Each reading as the ingestor sends it (key and JSON value) into the job's aggregation.</summary>
    private sealed class AggregatingSink : IHouseholdReadingSink
    {
        private readonly ArrayBufferWriter<byte> _value = new(256);
        private long _offset;

        public QuarterlyAggregator Aggregator { get; } = new();

        public List<EnergyReading> Readings { get; } = [];

        public HashSet<string> InvalidReasons { get; } = [];

        public void OnReading(in HouseholdReading reading, long lineNumber)
        {
            var message = reading.ToEnergyReading();
            Readings.Add(message);
            _value.ResetWrittenCount();
            EnergyReadingJson.Write(_value, message);
            if (Aggregator.Add(0, _offset++, Encoding.UTF8.GetBytes(RawEnergyTopic.FormatKey(message.Timestamp)), _value.WrittenSpan) is { } reason)
            {
                InvalidReasons.Add($"line {lineNumber}: {reason}");
            }
        }
    }
}
