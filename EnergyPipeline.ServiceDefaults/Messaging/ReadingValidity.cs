namespace EnergyPipeline.Messaging;

/// <summary>One rule of the message contract: the fixed reason both engines report when it is the first rule broken.</summary>
public sealed record ValidityRule(string Reason, string Description);

/// <summary>The physical bounds of one measure (inclusive), in the unit of the data set.</summary>
public sealed record MeasureBounds(string Field, decimal Minimum, decimal Maximum, string Unit, string Why);

/// <summary>
/// The validity rules of a <c>raw_energy</c> message (docs/contract.md, *Message validity*), defined once. The local engine
/// (<see cref="ReadingValidator"/>) and the Spark plan (SparkPlan's checked view) are both built from this class:
/// the same ordered rules, the same reasons, the same regular expressions and bounds. The first rule a message breaks
/// names its reason; reasons are fixed strings without values, so both engines report the same reason for the same
/// bytes.
/// </summary>
/// <remarks>
/// The patterns are written in the subset where .NET and Java (java.util.regex, Spark's RLIKE and regexp_extract)
/// agree: explicit ASCII classes (never \s or \d, whose meanings differ), \A and \z anchors (Java's $ also matches
/// before a final line break), no possessive or atomic groups. They are only applied to a value already known to be
/// well-formed UTF-8 and at most <see cref="MaxValueBytes"/> long, which also bounds the depth of Java's recursive
/// matching of repeated groups.
/// </remarks>
public static class ReadingValidity
{
    /// <summary>The largest value accepted, in bytes. The writer's longest value is under 300 bytes.</summary>
    public const int MaxValueBytes = 1024;

    /// <summary>Integer digits a measure may have: with 3 decimals every accepted number fits DECIMAL(10,3) exactly.</summary>
    public const int MaxIntegerDigits = 7;

    /// <summary>Decimals a measure may be written with (never rounded: 0.6000 is refused, not read as 0.6).</summary>
    public const int MaxDecimals = 3;

    public static class Reasons
    {
        public const string NullKey = "null_key";
        public const string Tombstone = "tombstone";
        public const string ValueTooLarge = "value_too_large";
        public const string InvalidUtf8 = "invalid_utf8";
        public const string NotAFlatJsonObject = "not_a_flat_json_object";
        public const string UnknownField = "unknown_field";
        public const string DuplicateField = "duplicate_field";
        public const string MissingField = "missing_field";
        public const string BadTimestamp = "bad_timestamp";
        public const string TimestampOutOfRange = "timestamp_out_of_range";
        public const string TimestampNotWholeMinute = "timestamp_not_whole_minute";
        public const string KeyMismatch = "key_mismatch";
        public const string MeasureNotANumber = "measure_not_a_number";
        public const string MeasureNotPlainDecimal = "measure_not_plain_decimal";
        public const string MeasureOutOfRange = "measure_out_of_range";
    }

    /// <summary>The rules in the order they are checked.</summary>
    public static IReadOnlyList<ValidityRule> Rules { get; } =
    [
        new(Reasons.NullKey, "The message has no key (null)."),
        new(Reasons.Tombstone, "The value is null: a Kafka tombstone, not a reading (the ingestor writes none; another producer's is unattributed and deletes nothing)."),
        new(Reasons.ValueTooLarge, $"The value is longer than {MaxValueBytes} bytes."),
        new(Reasons.InvalidUtf8, "The value is not well-formed UTF-8."),
        new(Reasons.NotAFlatJsonObject, "The value is not one JSON object of string names and scalar values (no nesting, no arrays, no escapes or control characters inside strings), with nothing but JSON whitespace around it."),
        new(Reasons.UnknownField, "A field is not one of the eight contract fields (names are case-sensitive)."),
        new(Reasons.DuplicateField, "A field appears more than once."),
        new(Reasons.MissingField, "One of the eight contract fields is absent."),
        new(Reasons.BadTimestamp, "timestamp is not a string yyyy-MM-ddTHH:mm:ss naming a real date and time (zero-padded, no zone, no fraction)."),
        new(Reasons.TimestampOutOfRange, $"The timestamp is before {FirstValidMinuteText} or not before {EndOfValidRangeText}: outside the plausible range, whatever the engine or the database would make of it."),
        new(Reasons.TimestampNotWholeMinute, "The timestamp's seconds are not 00."),
        new(Reasons.KeyMismatch, "The key is not, byte for byte, the value's timestamp."),
        new(Reasons.MeasureNotANumber, "A measure is neither null nor a JSON number (a string such as \"1\", true, NaN, a leading zero, a plus sign)."),
        new(Reasons.MeasureNotPlainDecimal, $"A measure is a JSON number not written as -?digits[.digits] with at most {MaxIntegerDigits} integer digits and 1-{MaxDecimals} decimals (exponents such as 6E-1, 4 decimals such as 0.6000)."),
        new(Reasons.MeasureOutOfRange, "A measure is outside its physical bounds."),
    ];

    /// <summary>
    /// The seven measures in contract order with their bounds: wide margins around the UCI file's extremes (active
    /// power 0.076-11.122 kW, reactive up to 1.39 kW, voltage 223.2-254.15 V), so no row of the file is refused.
    /// Per field only: the unmetered energy (active minus sub-metering) may be negative in a minute.
    /// </summary>
    public static IReadOnlyList<MeasureBounds> Measures { get; } =
    [
        new(EnergyReadingJson.GlobalActivePower.Value, 0m, 50m, "kW", "no negative power; 50 kW is beyond a household supply (e.g. 36 kVA in France, 3 x 63 A at 230 V = 43 kW)"),
        new(EnergyReadingJson.GlobalReactivePower.Value, 0m, 50m, "kW", "as active power; the file's maximum is 1.39 kW"),
        new(EnergyReadingJson.Voltage.Value, 150m, 300m, "V", "230 V +-10 % is 207-253 V; the file's 223.2-254.15 V sit well inside"),
        new(EnergyReadingJson.GlobalIntensity.Value, 0m, 250m, "A", "no negative current; 250 A is above 50 kW at 230 V (217 A)"),
        new(EnergyReadingJson.SubMetering1.Value, 0m, 1000m, "Wh", "energy of one minute: 1,000 Wh a minute is 60 kW"),
        new(EnergyReadingJson.SubMetering2.Value, 0m, 1000m, "Wh", "as sub_metering_1"),
        new(EnergyReadingJson.SubMetering3.Value, 0m, 1000m, "Wh", "as sub_metering_1"),
    ];

    /// <summary>The eight field names in the writer's order: timestamp, then the measures.</summary>
    public static IReadOnlyList<string> FieldNames { get; } =
        [EnergyReadingJson.Timestamp.Value, .. Measures.Select(m => m.Field)];

    /// <summary>JSON whitespace (RFC 8259: space, tab, line feed, carriage return).</summary>
    public const string Whitespace = @"[ \t\n\r]*";

    /// <summary>A JSON string without escapes or control characters.</summary>
    public const string PlainString = @"""[^""\\\x00-\x1F]*""";

    /// <summary>A scalar written without quotes (a number, null, true, false, or anything else that is later refused).</summary>
    public const string BareToken = @"[^ \t\n\r,:{}\[\]""\\]+";

    /// <summary>The whole value: one object of plain-string names and scalar values.</summary>
    public static readonly string FlatObjectPattern =
        $@"\A{Whitespace}\{{{Whitespace}(?:{Member}{Whitespace}(?:,{Whitespace}{Member}{Whitespace})*)?\}}{Whitespace}\z";

    private const string Member = $"{PlainString}{Whitespace}:{Whitespace}(?:{PlainString}|{BareToken})";

    /// <summary>Every field name of a flat object (group 1): in a flat object only names are followed by a colon.</summary>
    public const string FieldNamePattern = $@"""([^""]*)""{Whitespace}:";

    /// <summary>The raw token of a field's value (group 1) in a flat object without duplicate fields.</summary>
    public static string FieldValuePattern(string field) => $@"""{field}""{Whitespace}:{Whitespace}([^ \t\n\r,}}]*)";

    /// <summary>The timestamp's text inside its quotes (group 1); no match when the value is not a string.</summary>
    public static readonly string TimestampValuePattern = $@"""{EnergyReadingJson.Timestamp.Value}""{Whitespace}:{Whitespace}""([^""]*)""";

    /// <summary>
    /// The first minute a reading may have. Earlier dates are not this household's (the data set starts in 2006), and
    /// some would not survive the writers: Npgsql writes <see cref="DateTime.MinValue"/> as -infinity unless told not
    /// to, and Spark's JDBC writer shifts dates before 1582-10-15 by days (pgjdbc renders java.sql.Timestamp in the
    /// Julian calendar).
    /// </summary>
    public static readonly DateTime FirstValidMinute = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary>The first minute past the plausible range (exclusive): the last valid minute is 2099-12-31T23:59.</summary>
    public static readonly DateTime EndOfValidRange = new(2100, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary><see cref="FirstValidMinute"/> in the timestamp's text form: text of the timestamp's shape compares as its time does.</summary>
    public const string FirstValidMinuteText = "1970-01-01T00:00:00";

    /// <summary><see cref="EndOfValidRange"/> in the timestamp's text form.</summary>
    public const string EndOfValidRangeText = "2100-01-01T00:00:00";

    /// <summary>Whether a timestamp lies in the plausible range [<see cref="FirstValidMinute"/>, <see cref="EndOfValidRange"/>).</summary>
    public static bool InRange(DateTime timestamp) => timestamp >= FirstValidMinute && timestamp < EndOfValidRange;

    /// <summary>yyyy-MM-ddTHH:mm:ss, zero-padded, year not 0000; the calendar is then checked by a strict parser.</summary>
    public const string TimestampShapePattern = @"\A(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\z";

    /// <summary>The timestamp's seconds, as the last two characters of a text of <see cref="TimestampShapePattern"/>.</summary>
    public const string WholeMinuteSeconds = "00";

    /// <summary>A number as RFC 8259 writes it.</summary>
    public const string JsonNumberPattern = @"\A-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z";

    /// <summary>The numbers the contract accepts: plain decimals, at most 7 integer digits, 1-3 decimals.</summary>
    public static readonly string PlainDecimalPattern = $@"\A-?(?:0|[1-9][0-9]{{0,{MaxIntegerDigits - 1}}})(?:\.[0-9]{{1,{MaxDecimals}}})?\z";

    /// <summary>A missing measure.</summary>
    public const string NullToken = "null";
}
