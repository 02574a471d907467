namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>
/// Why a line is not a reading: a fixed word without values, as the message contract's reasons are. A line that
/// parses but breaks a rule of the message contract (docs/contract.md, *Message validity*) carries that rule's reason
/// (<see cref="Messaging.ReadingValidity.Reasons"/>), e.g. <c>timestamp_out_of_range</c>.
/// </summary>
public static class MalformedReason
{
    public const string WrongFieldCount = "wrong_field_count";
    public const string BadDate = "bad_date";
    public const string BadTime = "bad_time";
    public const string BadNumber = "bad_number";
    public const string ImpossibleValue = "impossible_value";
    public const string LineTooLong = "line_too_long";

    /// <summary>The last line has no terminator and is not written as the data set writes its lines: possibly cut short.</summary>
    public const string TruncatedLastLine = "truncated_last_line";
}

/// <summary>A line that is not a reading: its 1-based line number in the file (the header is line 1), why, and its text.</summary>
public sealed record MalformedLine(long LineNumber, string Reason, string Detail, string Text)
{
    public override string ToString() => $"line {LineNumber}: {Reason}: {Detail} ('{Text}')";
}

/// <summary>The file is not a household power file at all (empty, or a wrong header): nothing of it is read.</summary>
public sealed class HouseholdFormatException(string message) : FormatException(message);
