using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace EnergyPipeline.Messaging;

/// <summary>
/// The local engine's side of <see cref="ReadingValidity"/>: a message's key and value in, a verdict out (null when
/// valid, else the reason of the first rule broken) and, for a valid message, its reading in thousandths. Whatever the
/// bytes, it returns: no message can throw.
/// </summary>
/// <remarks>
/// Two paths, one verdict. A value in the writer's own form (<see cref="EnergyReadingJson.TryReadCanonical"/>) is
/// checked without allocating; it already keeps every rule up to the timestamp's shape, so only the later rules are
/// left. Anything else goes through <see cref="CheckGeneral"/>, which applies the definition's regular expressions
/// rule by rule, as the Spark plan does. Tests hold the two paths to the same verdict.
/// </remarks>
public static class ReadingValidator
{
    private const RegexOptions Options = RegexOptions.CultureInvariant;

    private static readonly Regex FlatObject = new(ReadingValidity.FlatObjectPattern, Options);
    private static readonly Regex FieldName = new(ReadingValidity.FieldNamePattern, Options);
    private static readonly Regex TimestampValue = new(ReadingValidity.TimestampValuePattern, Options);
    private static readonly Regex TimestampShape = new(ReadingValidity.TimestampShapePattern, Options);
    private static readonly Regex JsonNumber = new(ReadingValidity.JsonNumberPattern, Options);
    private static readonly Regex PlainDecimal = new(ReadingValidity.PlainDecimalPattern, Options);
    private static readonly Regex[] MeasureValues =
        ReadingValidity.Measures.Select(m => new Regex(ReadingValidity.FieldValuePattern(m.Field), Options)).ToArray();

    private static readonly long[] MinimumThousandths = ReadingValidity.Measures.Select(m => (long)(m.Minimum * 1000)).ToArray();
    private static readonly long[] MaximumThousandths = ReadingValidity.Measures.Select(m => (long)(m.Maximum * 1000)).ToArray();

    /// <summary>Checks one Kafka message; <see langword="null"/> key or value as Kafka gives them.</summary>
    public static string? Check(byte[]? key, byte[]? value, out EnergyReadingThousandths reading) =>
        Check(key, key is not null, value, value is not null, checkKey: true, out reading);

    /// <summary>Checks a present key and value.</summary>
    public static string? Check(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, out EnergyReadingThousandths reading) =>
        Check(key, hasKey: true, value, hasValue: true, checkKey: true, out reading);

    /// <summary>Checks a message whose key or value may be absent (Kafka's null, not an empty array).</summary>
    public static string? Check(ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, out EnergyReadingThousandths reading) =>
        Check(key, hasKey, value, hasValue, checkKey: true, out reading);

    /// <summary>Checks a value as if its key were its own timestamp: every rule but the key's.</summary>
    public static string? CheckValue(ReadOnlySpan<byte> value, out EnergyReadingThousandths reading) =>
        Check([], hasKey: true, value, hasValue: true, checkKey: false, out reading);

    private static string? Check(ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, bool checkKey, out EnergyReadingThousandths reading)
    {
        reading = default;
        if (!hasKey)
        {
            return ReadingValidity.Reasons.NullKey;
        }

        if (!hasValue)
        {
            return ReadingValidity.Reasons.Tombstone;
        }

        if (value.Length > ReadingValidity.MaxValueBytes)
        {
            return ReadingValidity.Reasons.ValueTooLarge;
        }

        if (EnergyReadingJson.TryReadCanonical(value, out reading))
        {
            if (TimeProblem(reading.Timestamp) is { } timeProblem)
            {
                return timeProblem;
            }

            if (checkKey && !key.SequenceEqual(EnergyReadingJson.CanonicalTimestamp(value)))
            {
                return ReadingValidity.Reasons.KeyMismatch;
            }

            return InBounds(reading) ? null : ReadingValidity.Reasons.MeasureOutOfRange;
        }

        return CheckGeneral(key, value, checkKey, out reading);
    }

    /// <summary>
    /// The rules after the size limit, applied one by one with the definition's patterns (no fast path): for values
    /// not in the writer's form, and for tests that hold the fast path to the same verdicts.
    /// </summary>
    public static string? CheckGeneral(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool checkKey, out EnergyReadingThousandths reading)
    {
        reading = default;
        if (!Utf8.IsValid(value))
        {
            return ReadingValidity.Reasons.InvalidUtf8;
        }

        var text = Encoding.UTF8.GetString(value);
        if (!FlatObject.IsMatch(text))
        {
            return ReadingValidity.Reasons.NotAFlatJsonObject;
        }

        var names = FieldName.Matches(text).Select(m => m.Groups[1].Value).ToList();
        if (names.Any(name => !ReadingValidity.FieldNames.Contains(name)))
        {
            return ReadingValidity.Reasons.UnknownField;
        }

        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            return ReadingValidity.Reasons.DuplicateField;
        }

        if (names.Count != ReadingValidity.FieldNames.Count)
        {
            return ReadingValidity.Reasons.MissingField;
        }

        var timestamp = TimestampValue.Match(text);
        var timestampText = timestamp.Success ? timestamp.Groups[1].Value : "";
        if (!TimestampShape.IsMatch(timestampText)
            || !RawEnergyTopic.TryParseKey(Encoding.ASCII.GetBytes(timestampText), out reading.Timestamp))
        {
            return ReadingValidity.Reasons.BadTimestamp;
        }

        if (!ReadingValidity.InRange(reading.Timestamp))
        {
            return ReadingValidity.Reasons.TimestampOutOfRange;
        }

        if (!timestampText.EndsWith(ReadingValidity.WholeMinuteSeconds, StringComparison.Ordinal))
        {
            return ReadingValidity.Reasons.TimestampNotWholeMinute;
        }

        if (checkKey && !key.SequenceEqual(Encoding.ASCII.GetBytes(timestampText)))
        {
            return ReadingValidity.Reasons.KeyMismatch;
        }

        var tokens = MeasureValues.Select(pattern => pattern.Match(text).Groups[1].Value).ToArray();
        if (tokens.Any(token => token != ReadingValidity.NullToken && !JsonNumber.IsMatch(token)))
        {
            return ReadingValidity.Reasons.MeasureNotANumber;
        }

        if (tokens.Any(token => token != ReadingValidity.NullToken && !PlainDecimal.IsMatch(token)))
        {
            return ReadingValidity.Reasons.MeasureNotPlainDecimal;
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            if (tokens[i] == ReadingValidity.NullToken)
            {
                reading.MissingMask |= (byte)(1 << i);
            }
            else
            {
                reading.Thousandths[i] = PlainDecimalThousandths(tokens[i]);
            }
        }

        return InBounds(reading) ? null : ReadingValidity.Reasons.MeasureOutOfRange;
    }

    /// <summary>
    /// The rules a reading already parsed from well-formed text can still break, in the rules' order: the timestamp's
    /// range and whole minute, then the measures' bounds (the key is the reading's own timestamp). The ingestor applies
    /// them to every line it parses, so a line it sends is a reading both engines accept.
    /// </summary>
    /// <param name="timestamp">The reading's minute.</param>
    /// <param name="thousandths">The seven measures in thousandths, in the contract's order (0 when missing).</param>
    /// <param name="missingMask">Bit i set: measure i is missing.</param>
    /// <remarks>Called for every line the ingestor parses, in runs too short for tiered compilation to reach it: optimized at once.</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static string? CheckReading(DateTime timestamp, ReadOnlySpan<int> thousandths, byte missingMask)
    {
        if (TimeProblem(timestamp) is { } timeProblem)
        {
            return timeProblem;
        }

        for (var i = 0; i < EnergyReadingThousandths.Measures; i++)
        {
            if ((missingMask & (1 << i)) == 0 && (thousandths[i] < MinimumThousandths[i] || thousandths[i] > MaximumThousandths[i]))
            {
                return ReadingValidity.Reasons.MeasureOutOfRange;
            }
        }

        return null;
    }

    /// <summary>The timestamp's range, then its whole minute: the rules after its shape.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static string? TimeProblem(DateTime timestamp) =>
        !ReadingValidity.InRange(timestamp) ? ReadingValidity.Reasons.TimestampOutOfRange
        : timestamp.Second != 0 ? ReadingValidity.Reasons.TimestampNotWholeMinute
        : null;

    private static bool InBounds(in EnergyReadingThousandths reading)
    {
        for (var i = 0; i < EnergyReadingThousandths.Measures; i++)
        {
            if (reading.Has(i) && (reading.Thousandths[i] < MinimumThousandths[i] || reading.Thousandths[i] > MaximumThousandths[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A text of <see cref="ReadingValidity.PlainDecimalPattern"/> in thousandths (at most 10 digits: exact in a long).</summary>
    private static long PlainDecimalThousandths(string token)
    {
        var negative = token[0] == '-';
        long value = 0;
        var decimals = -1;
        foreach (var c in negative ? token.AsSpan(1) : token)
        {
            if (c == '.')
            {
                decimals = 0;
                continue;
            }

            value = value * 10 + (c - '0');
            if (decimals >= 0)
            {
                decimals++;
            }
        }

        for (var i = Math.Max(decimals, 0); i < ReadingValidity.MaxDecimals; i++)
        {
            value *= 10;
        }

        return negative ? -value : value;
    }
}
