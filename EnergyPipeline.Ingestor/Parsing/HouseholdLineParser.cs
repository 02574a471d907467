using System.Runtime.CompilerServices;

namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>
/// Parses one data line (without its line terminator) in a single pass over its bytes: <c>d/M/yyyy</c>
/// (padding optional), <c>HH:mm:ss</c>, then seven measures with up to three decimals, <c>?</c> or empty
/// meaning missing. No allocation unless the line is malformed.
/// </summary>
public static class HouseholdLineParser
{
    private const int MaxIntegerDigits = 6;

    private static ReadOnlySpan<int> FractionScale => [1000, 100, 10, 1];

    public static bool TryParse(ReadOnlySpan<byte> line, out HouseholdReading reading, out string reason, out string? detail)
    {
        var cache = default(DateCache);
        return TryParse(line, ref cache, out reading, out reason, out detail);
    }

    /// <summary>
    /// Consecutive lines share their date: the cache keeps the last date's bytes and value, so a line whose date
    /// text is the same as the previous one skips the calendar work.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParse(
        ReadOnlySpan<byte> line, ref DateCache cache, out HouseholdReading reading, out string reason, out string? detail)
    {
        reading = default;
        reason = "";
        detail = null;

        var dateEnd = line.IndexOf(HouseholdPowerFormat.Separator);
        if (dateEnd < 0)
        {
            return WrongFieldCount(line, out reason, out detail);
        }

        DateTime date;
        var dateText = line[..dateEnd];
        if (dateText.Length == cache.Length && dateText.Length <= 10 && dateText.SequenceEqual(cache.Text[..cache.Length]))
        {
            date = cache.Date;
        }
        else
        {
            if (!TryParseDate(dateText, out date))
            {
                reason = MalformedReason.BadDate;
                detail = $"date '{HouseholdPowerFormat.Printable(dateText)}' is not a valid d/M/yyyy date";
                return CheckFieldCountFirst(line, ref reason, ref detail);
            }

            if (dateText.Length <= 10)
            {
                dateText.CopyTo(cache.Text);
                cache.Length = dateText.Length;
                cache.Date = date;
            }
        }

        var position = dateEnd + 1;
        if (!TryParseTime(line[position..], out var secondOfDay))
        {
            reason = MalformedReason.BadTime;
            detail = $"time '{FieldText(line, 1)}' is not a valid HH:mm:ss time";
            return CheckFieldCountFirst(line, ref reason, ref detail);
        }

        reading.Timestamp = date.AddTicks(secondOfDay * TimeSpan.TicksPerSecond);
        position += 9;
        for (var measure = 0; measure < HouseholdPowerFormat.MeasureCount; measure++)
        {
            if (position > line.Length)
            {
                return WrongFieldCount(line, out reason, out detail);
            }

            if (TryParsePlainNumber(line, ref position, out var plain))
            {
                reading.Thousandths[measure] = plain;
                continue;
            }

            var end = position;
            while (end < line.Length && line[end] != HouseholdPowerFormat.Separator)
            {
                end++;
            }

            var field = line[position..end];
            position = end + 1;
            switch (ParseMeasure(field, out var thousandths))
            {
                case MeasureStatus.Value:
                    reading.Thousandths[measure] = thousandths;
                    break;
                case MeasureStatus.Missing:
                    reading.MissingMask |= (byte)(1 << measure);
                    break;
                case MeasureStatus.Negative:
                    reason = MalformedReason.ImpossibleValue;
                    detail = $"{HouseholdPowerFormat.MeasureNames[measure]} is negative ('{HouseholdPowerFormat.Printable(field)}')";
                    return CheckFieldCountFirst(line, ref reason, ref detail);
                default:
                    reason = MalformedReason.BadNumber;
                    detail = $"{HouseholdPowerFormat.MeasureNames[measure]} '{HouseholdPowerFormat.Printable(field)}' " +
                        "is not a number with at most 3 decimals";
                    return CheckFieldCountFirst(line, ref reason, ref detail);
            }
        }

        // The last measure must end the line: one more separator means more than nine fields.
        return position == line.Length + 1 || WrongFieldCount(line, out reason, out detail);
    }

    /// <summary>
    /// Whether a line is written the way the data set writes every line: nine fields, the time as HH:mm:ss, each
    /// measure with exactly three decimals or <c>?</c>, the last field empty only after six <c>?</c> (the data set's
    /// missing rows). A last line without terminator is only taken when it is: anything else may be a line cut short
    /// (<c>...;1</c> of <c>...;17.000</c>) and is malformed with <see cref="MalformedReason.TruncatedLastLine"/>.
    /// </summary>
    public static bool IsWrittenLikeTheDataSet(ReadOnlySpan<byte> line)
    {
        if (line.Count(HouseholdPowerFormat.Separator) != HouseholdPowerFormat.FieldCount - 1)
        {
            return false;
        }

        var rest = line[(line.IndexOf(HouseholdPowerFormat.Separator) + 1)..];
        var timeEnd = rest.IndexOf(HouseholdPowerFormat.Separator);
        if (timeEnd != 8)
        {
            return false;
        }

        rest = rest[(timeEnd + 1)..];
        var missing = 0;
        for (var measure = 0; measure < HouseholdPowerFormat.MeasureCount; measure++)
        {
            var end = rest.IndexOf(HouseholdPowerFormat.Separator);
            var field = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (field.Length == 1 && field[0] == HouseholdPowerFormat.MissingMarker)
            {
                missing++;
            }
            else if (!(field.IsEmpty && measure == HouseholdPowerFormat.MeasureCount - 1 && missing == measure) && !HasExactlyThreeDecimals(field))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasExactlyThreeDecimals(ReadOnlySpan<byte> field)
    {
        var point = field.IndexOf((byte)'.');
        return point > 0 && field.Length - point - 1 == HouseholdPowerFormat.Scale
            && !field[..point].ContainsAnyExceptInRange((byte)'0', (byte)'9') && !field[(point + 1)..].ContainsAnyExceptInRange((byte)'0', (byte)'9');
    }

    /// <summary>The date of the previous line, as text and value.</summary>
    public struct DateCache
    {
        internal DateText Text;
        internal int Length;
        internal DateTime Date;
    }

    [InlineArray(10)]
    internal struct DateText
    {
        private byte _element0;
    }

    private static bool WrongFieldCount(ReadOnlySpan<byte> line, out string reason, out string detail)
    {
        reason = MalformedReason.WrongFieldCount;
        detail = line.IsEmpty
            ? "empty line"
            : $"expected {HouseholdPowerFormat.FieldCount} fields separated by ';', found {line.Count(HouseholdPowerFormat.Separator) + 1}";
        return false;
    }

    /// <summary>A line with the wrong number of fields is reported as such, whatever else is wrong with it.</summary>
    private static bool CheckFieldCountFirst(ReadOnlySpan<byte> line, ref string reason, ref string? detail)
    {
        if (line.Count(HouseholdPowerFormat.Separator) != HouseholdPowerFormat.FieldCount - 1)
        {
            WrongFieldCount(line, out reason, out var countDetail);
            detail = countDetail;
        }

        return false;
    }

    private enum MeasureStatus
    {
        Value,
        Missing,
        Bad,
        Negative,
    }

    /// <summary>
    /// The fast path for the common field, <c>digits[.digits]</c> followed by ';' or the end of the line, in one pass.
    /// Anything else (missing, negative, malformed) leaves <paramref name="position"/> alone for the full check.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParsePlainNumber(ReadOnlySpan<byte> line, ref int position, out int thousandths)
    {
        thousandths = 0;
        var p = position;
        var integer = 0;
        uint digit;
        while (p < line.Length && (digit = (uint)(line[p] - '0')) <= 9)
        {
            integer = (integer * 10) + (int)digit;
            p++;
        }

        var integerDigits = p - position;
        if (integerDigits is 0 or > MaxIntegerDigits)
        {
            return false;
        }

        var fraction = 0;
        var fractionDigits = 0;
        if (p < line.Length && line[p] == (byte)'.')
        {
            p++;
            var fractionStart = p;
            while (p < line.Length && (digit = (uint)(line[p] - '0')) <= 9)
            {
                fraction = (fraction * 10) + (int)digit;
                p++;
            }

            fractionDigits = p - fractionStart;
            if (fractionDigits is 0 or > HouseholdPowerFormat.Scale)
            {
                return false;
            }
        }

        if (p < line.Length && line[p] != HouseholdPowerFormat.Separator)
        {
            return false;
        }

        thousandths = (integer * 1000) + (fraction * FractionScale[fractionDigits]);
        position = p + 1;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static MeasureStatus ParseMeasure(ReadOnlySpan<byte> field, out int thousandths)
    {
        thousandths = 0;
        if (field.IsEmpty || (field.Length == 1 && field[0] == HouseholdPowerFormat.MissingMarker))
        {
            return MeasureStatus.Missing;
        }

        var i = 0;
        var negative = field[0] == (byte)'-';
        if (negative)
        {
            i++;
        }

        var integer = 0;
        var integerStart = i;
        while (i < field.Length && IsDigit(field[i]))
        {
            if (i - integerStart == MaxIntegerDigits)
            {
                return MeasureStatus.Bad;
            }

            integer = (integer * 10) + (field[i] - '0');
            i++;
        }

        if (i == integerStart)
        {
            return MeasureStatus.Bad;
        }

        var fraction = 0;
        var fractionDigits = 0;
        if (i < field.Length && field[i] == (byte)'.')
        {
            i++;
            while (i < field.Length && IsDigit(field[i]))
            {
                if (fractionDigits == HouseholdPowerFormat.Scale)
                {
                    return MeasureStatus.Bad;
                }

                fraction = (fraction * 10) + (field[i] - '0');
                fractionDigits++;
                i++;
            }

            if (fractionDigits == 0)
            {
                return MeasureStatus.Bad;
            }
        }

        if (i != field.Length)
        {
            return MeasureStatus.Bad;
        }

        thousandths = (integer * 1000) + (fraction * FractionScale[fractionDigits]);
        return negative && thousandths != 0 ? MeasureStatus.Negative : MeasureStatus.Value;
    }

    private static bool TryParseDate(ReadOnlySpan<byte> text, out DateTime date)
    {
        date = default;
        var i = 0;
        if (!TryReadUpTo2Digits(text, ref i, out var day) || i >= text.Length || text[i++] != (byte)'/'
            || !TryReadUpTo2Digits(text, ref i, out var month) || i >= text.Length || text[i++] != (byte)'/')
        {
            return false;
        }

        if (i + 4 != text.Length || !IsDigit(text[i]) || !IsDigit(text[i + 1]) || !IsDigit(text[i + 2]) || !IsDigit(text[i + 3]))
        {
            return false;
        }

        var year = ((text[i] - '0') * 1000) + ((text[i + 1] - '0') * 100) + ((text[i + 2] - '0') * 10) + (text[i + 3] - '0');
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseTime(ReadOnlySpan<byte> t, out long secondOfDay)
    {
        secondOfDay = 0;
        if (t.Length < 9 || t[8] != HouseholdPowerFormat.Separator || t[2] != (byte)':' || t[5] != (byte)':'
            || !IsDigit(t[0]) || !IsDigit(t[1]) || !IsDigit(t[3]) || !IsDigit(t[4]) || !IsDigit(t[6]) || !IsDigit(t[7]))
        {
            return false;
        }

        var hour = ((t[0] - '0') * 10) + (t[1] - '0');
        var minute = ((t[3] - '0') * 10) + (t[4] - '0');
        var second = ((t[6] - '0') * 10) + (t[7] - '0');
        if (hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        secondOfDay = (hour * 3600) + (minute * 60) + second;
        return true;
    }

    private static bool TryReadUpTo2Digits(ReadOnlySpan<byte> line, ref int i, out int value)
    {
        value = 0;
        if (i >= line.Length || !IsDigit(line[i]))
        {
            return false;
        }

        value = line[i++] - '0';
        if (i < line.Length && IsDigit(line[i]))
        {
            value = (value * 10) + (line[i++] - '0');
        }

        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static string FieldText(ReadOnlySpan<byte> line, int index)
    {
        for (var k = 0; k < index; k++)
        {
            line = line[(line.IndexOf(HouseholdPowerFormat.Separator) + 1)..];
        }

        var end = line.IndexOf(HouseholdPowerFormat.Separator);
        return HouseholdPowerFormat.Printable(end < 0 ? line : line[..end]);
    }
}
