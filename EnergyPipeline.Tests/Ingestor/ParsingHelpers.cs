using System.Text;
using EnergyPipeline.Ingestor.Parsing;

namespace EnergyPipeline.Tests.Ingestor;

internal sealed class CollectingSink : IHouseholdReadingSink
{
    public List<(long Line, HouseholdReading Reading)> Readings { get; } = [];

    public List<MalformedLine> Malformed { get; } = [];

    public void OnReading(in HouseholdReading reading, long lineNumber) => Readings.Add((lineNumber, reading));

    public void OnMalformed(MalformedLine line) => Malformed.Add(line);
}

internal static class ParsingHelpers
{
    public const string Header = "Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;Sub_metering_1;Sub_metering_2;Sub_metering_3";

    public static (ParseSummary Summary, CollectingSink Sink) Parse(string text, bool bom = false, int bufferSize = HouseholdFileReader.DefaultBufferSize)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bom)
        {
            bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        }

        var sink = new CollectingSink();
        var summary = HouseholdFileReader.Read(new MemoryStream(bytes), sink, malformedSampleSize: 100, bufferSize: bufferSize, cancellationToken: TestContext.Current.CancellationToken);
        return (summary, sink);
    }
}
