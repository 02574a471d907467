using System.Globalization;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// <see cref="ReadingValidity"/> as Spark SQL: one predicate per rule, in the rules' order, over the raw key and
/// value, gathered into the CASE expression that names a record's first broken rule (<see cref="InvalidReasonCase"/>).
/// Nothing here relies on from_json (which rounds DECIMAL to scale, reads "1" as a number and keeps partial
/// records): the value's text is checked with the definition's own regular expressions, and the accepted numbers are
/// cast from their text only once they are known to fit DECIMAL(10,3) exactly. containers/spark/README.md cites
/// the Spark behaviour each predicate rests on.
/// </summary>
public static class SparkValidity
{
    /// <summary>The record columns the predicates read: the key as text, the value as bytes.</summary>
    public const string KeyColumn = "reading_key";
    public const string ValueColumn = "reading_value";

    /// <summary>Columns the checked view derives once from the value (<see cref="DerivedColumns"/>).</summary>
    public const string ValueTextColumn = "value_text";
    public const string TimestampTextColumn = "timestamp_text";
    public const string FieldNamesColumn = "field_names";

    /// <summary>The column of a measure's raw token, e.g. <c>voltage_text</c>.</summary>
    public static string TokenColumn(string field) => field + "_text";

    /// <summary>The measures' SQL type: at most 7 integer digits and 3 decimals, so every accepted number fits exactly.</summary>
    public static readonly string MeasureType = $"DECIMAL({ReadingValidity.MaxIntegerDigits + ReadingValidity.MaxDecimals},{ReadingValidity.MaxDecimals})";

    /// <summary>The timestamp's parse pattern, the same text as <see cref="RawEnergyTopic.KeyFormat"/>.</summary>
    public const string TimestampPattern = "yyyy-MM-dd'T'HH:mm:ss";

    /// <summary>The value's text, the timestamp's text and each measure's raw token, for the checks and the readings.</summary>
    public static IReadOnlyList<string> DerivedColumns { get; } =
    [
        $"CAST({ValueColumn} AS STRING) AS {ValueTextColumn}",
        $"regexp_extract_all(CAST({ValueColumn} AS STRING), {Lit(ReadingValidity.FieldNamePattern)}, 1) AS {FieldNamesColumn}",
        $"regexp_extract(CAST({ValueColumn} AS STRING), {Lit(ReadingValidity.TimestampValuePattern)}, 1) AS {TimestampTextColumn}",
        .. ReadingValidity.Measures.Select(m =>
            $"regexp_extract(CAST({ValueColumn} AS STRING), {Lit(ReadingValidity.FieldValuePattern(m.Field))}, 1) AS {TokenColumn(m.Field)}"),
    ];

    /// <summary>The timestamp of a valid record (NULL for text that is not one: CORRECTED policy, no exception).</summary>
    public static string ReadingAt(string timestampText) => $"try_to_timestamp({timestampText}, {Lit(TimestampPattern)})";

    /// <summary>A valid record's measure as DECIMAL(10,3); NULL when missing.</summary>
    public static string MeasureValue(string field) => $"CAST(NULLIF({TokenColumn(field)}, {Lit(ReadingValidity.NullToken)}) AS {MeasureType})";

    /// <summary>The predicate that is true when a record breaks <paramref name="rule"/> (given that it keeps every earlier rule).</summary>
    public static string Breaks(ValidityRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        const string names = FieldNamesColumn;
        return rule.Reason switch
        {
            ReadingValidity.Reasons.NullKey => $"{KeyColumn} IS NULL",
            ReadingValidity.Reasons.Tombstone => $"{ValueColumn} IS NULL",
            ReadingValidity.Reasons.ValueTooLarge => $"octet_length({ValueColumn}) > {ReadingValidity.MaxValueBytes}",
            ReadingValidity.Reasons.InvalidUtf8 => $"encode(decode({ValueColumn}, 'UTF-8'), 'UTF-8') <> {ValueColumn}",
            ReadingValidity.Reasons.NotAFlatJsonObject => $"NOT ({ValueTextColumn} RLIKE {Lit(ReadingValidity.FlatObjectPattern)})",
            ReadingValidity.Reasons.UnknownField =>
                $"size(array_except({names}, array({string.Join(", ", ReadingValidity.FieldNames.Select(Lit))}))) > 0",
            ReadingValidity.Reasons.DuplicateField => $"size(array_distinct({names})) < size({names})",
            ReadingValidity.Reasons.MissingField => $"size({names}) <> {ReadingValidity.FieldNames.Count}",
            ReadingValidity.Reasons.BadTimestamp =>
                $"NOT ({TimestampTextColumn} RLIKE {Lit(ReadingValidity.TimestampShapePattern)}) OR {ReadingAt(TimestampTextColumn)} IS NULL",
            // Text of the timestamp's shape compares as its time does (Spark compares strings byte by byte).
            ReadingValidity.Reasons.TimestampOutOfRange =>
                $"{TimestampTextColumn} < {Lit(ReadingValidity.FirstValidMinuteText)} OR {TimestampTextColumn} >= {Lit(ReadingValidity.EndOfValidRangeText)}",
            ReadingValidity.Reasons.TimestampNotWholeMinute => $"right({TimestampTextColumn}, 2) <> {Lit(ReadingValidity.WholeMinuteSeconds)}",
            ReadingValidity.Reasons.KeyMismatch => $"{KeyColumn} <> {TimestampTextColumn}",
            ReadingValidity.Reasons.MeasureNotANumber => AnyMeasure(token => $"NOT ({token} RLIKE {Lit(ReadingValidity.JsonNumberPattern)})"),
            ReadingValidity.Reasons.MeasureNotPlainDecimal => AnyMeasure(token => $"NOT ({token} RLIKE {Lit(ReadingValidity.PlainDecimalPattern)})"),
            ReadingValidity.Reasons.MeasureOutOfRange => string.Join(" OR ", ReadingValidity.Measures.Select(m =>
                $"({TokenColumn(m.Field)} <> {Lit(ReadingValidity.NullToken)} AND CAST({TokenColumn(m.Field)} AS {MeasureType}) NOT BETWEEN {Number(m.Minimum)} AND {Number(m.Maximum)})")),
            _ => throw new NotSupportedException($"The validity rule {rule.Reason} has no Spark predicate."),
        };
    }

    /// <summary>
    /// <c>CASE WHEN breaks rule 1 THEN 'reason 1' ... END</c>: the first broken rule's reason, NULL for a valid record.
    /// CASE evaluates its conditions in order and stops at the first true one, so the size limit guards the patterns.
    /// </summary>
    public static string InvalidReasonCase(string indent) =>
        "CASE\n" + string.Concat(ReadingValidity.Rules.Select(rule => $"{indent}  WHEN {Breaks(rule)} THEN {Lit(rule.Reason)}\n")) + $"{indent}END";

    private static string AnyMeasure(Func<string, string> breaks) => string.Join(" OR ", ReadingValidity.Measures.Select(m =>
        $"({TokenColumn(m.Field)} <> {Lit(ReadingValidity.NullToken)} AND {breaks(TokenColumn(m.Field))})"));

    private static string Number(decimal value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Lit(string value) => SparkSqlText.Literal(value);
}
