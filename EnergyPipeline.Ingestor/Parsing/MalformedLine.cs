namespace EnergyPipeline.Ingestor.Parsing;

public enum MalformedReason
{
    WrongFieldCount,
    BadDate,
    BadTime,
    BadNumber,
    ImpossibleValue,
    LineTooLong,
}

/// <summary>A line that is not a reading: its 1-based line number in the file (the header is line 1), why, and its text.</summary>
public sealed record MalformedLine(long LineNumber, MalformedReason Reason, string Detail, string Text)
{
    public override string ToString() => $"line {LineNumber}: {Reason}: {Detail} ('{Text}')";
}

/// <summary>The file is not a household power file at all (empty, or a wrong header): nothing of it is read.</summary>
public sealed class HouseholdFormatException(string message) : FormatException(message);
