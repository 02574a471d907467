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

    public static bool TryParse(ReadOnlySpan<byte> line, out HouseholdReading reading, out MalformedReason reason, out string? detail)
    {
        reading = default;
        reason = default;
        detail = null;

        var separators = line.Count(HouseholdPowerFormat.Separator);
        if (separators != HouseholdPowerFormat.FieldCount - 1)
        {
            reason = MalformedReason.WrongFieldCount;
            detail = line.IsEmpty
                ? "empty line"
                : $"expected {HouseholdPowerFormat.FieldCount} fields separated by ';', found {separators + 1}";
            return false;
        }

        var position = 0;
        if (!TryParseDate(line, ref position, out var date))
        {
            reason = MalformedReason.BadDate;
            detail = $"date '{FieldText(line, 0)}' is not a valid d/M/yyyy date";
            return false;
        }

        if (!TryParseTime(line, ref position, out var timeOfDay))
        {
            reason = MalformedReason.BadTime;
            detail = $"time '{FieldText(line, 1)}' is not a valid HH:mm:ss time";
            return false;
        }

        reading.Timestamp = date.Add(timeOfDay);
        for (var measure = 0; measure < HouseholdPowerFormat.MeasureCount; measure++)
        {
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
                    return false;
                default:
                    reason = MalformedReason.BadNumber;
                    detail = $"{HouseholdPowerFormat.MeasureNames[measure]} '{HouseholdPowerFormat.Printable(field)}' " +
                        "is not a number with at most 3 decimals";
                    return false;
            }
        }

        return true;
    }

    private enum MeasureStatus
    {
        Value,
        Missing,
        Bad,
        Negative,
    }

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

    private static bool TryParseDate(ReadOnlySpan<byte> line, ref int position, out DateTime date)
    {
        date = default;
        var i = position;
        if (!TryReadUpTo2Digits(line, ref i, out var day) || i >= line.Length || line[i++] != (byte)'/'
            || !TryReadUpTo2Digits(line, ref i, out var month) || i >= line.Length || line[i++] != (byte)'/')
        {
            return false;
        }

        if (i + 5 > line.Length || !IsDigit(line[i]) || !IsDigit(line[i + 1]) || !IsDigit(line[i + 2]) || !IsDigit(line[i + 3])
            || line[i + 4] != HouseholdPowerFormat.Separator)
        {
            return false;
        }

        var year = ((line[i] - '0') * 1000) + ((line[i + 1] - '0') * 100) + ((line[i + 2] - '0') * 10) + (line[i + 3] - '0');
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
        position = i + 5;
        return true;
    }

    private static bool TryParseTime(ReadOnlySpan<byte> line, ref int position, out TimeSpan timeOfDay)
    {
        timeOfDay = default;
        var t = line[position..];
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

        timeOfDay = new TimeSpan(hour, minute, second);
        position += 9;
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
