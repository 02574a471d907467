namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>Receives each reading as the reader parses it; the reading is only valid during the call.</summary>
public interface IHouseholdReadingSink
{
    void OnReading(in HouseholdReading reading, long lineNumber);

    /// <summary>Called for every malformed line (the summary keeps only a sample of them).</summary>
    void OnMalformed(MalformedLine line)
    {
    }

    /// <summary>Lets a sink stop the read early (for example after a failed delivery).</summary>
    bool ShouldStop => false;
}

/// <summary>A sink that keeps nothing: validation only.</summary>
public sealed class NullReadingSink : IHouseholdReadingSink
{
    public static NullReadingSink Instance { get; } = new();

    public void OnReading(in HouseholdReading reading, long lineNumber)
    {
    }
}
