using System.Runtime.CompilerServices;
using System.Globalization;

namespace EnergyPipeline.Messaging;

/// <summary>The contract of the <c>raw_energy</c> topic (docs/contract.md, *Message contract*): name, key and control topic. Messages carry no headers.</summary>
public static class RawEnergyTopic
{
    public const string Name = "raw_energy";
    public const int DefaultPartitions = 6;

    /// <summary>The key is the reading's minute; same minute, same key, same partition.</summary>
    public const string KeyFormat = "yyyy-MM-dd'T'HH:mm:ss";

    /// <summary>The compacted control topic beside <paramref name="topic"/> where ingestions record their completion.</summary>
    public static string CompletionTopic(string topic) => topic + CompletionTopicSuffix;

    public const string CompletionTopicSuffix = "_completions";

    /// <summary>Kafka's longest topic name.</summary>
    public const int MaxTopicNameLength = 249;

    /// <summary>
    /// Null when <paramref name="topic"/> is a valid Kafka topic name that leaves room for its control topic, else
    /// why not. Kafka's rules (org.apache.kafka.common.internals.Topic.validate): not empty, not "." or "..", at
    /// most 249 characters of ASCII letters, digits, '.', '_' and '-'.
    /// </summary>
    public static string? TopicNameProblem(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            return "the topic name is empty";
        }

        if (topic is "." or "..")
        {
            return $"'{topic}' is not a valid topic name";
        }

        if (topic.Length > MaxTopicNameLength - CompletionTopicSuffix.Length)
        {
            return $"topic name '{topic}' is {topic.Length} characters; at most {MaxTopicNameLength - CompletionTopicSuffix.Length} " +
                $"leave room for its control topic (Kafka allows {MaxTopicNameLength})";
        }

        var bad = topic.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));
        return bad == default
            ? null
            : $"topic name '{topic}' contains '{bad}': Kafka allows only ASCII letters, digits, '.', '_' and '-'";
    }

    public static string FormatKey(DateTime minute) => minute.ToString(KeyFormat, CultureInfo.InvariantCulture);

    public static bool TryParseKey(string key, out DateTime minute) =>
        DateTime.TryParseExact(key, KeyFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out minute);

    /// <summary>
    /// Parses the UTF-8 key format <c>yyyy-MM-ddTHH:mm:ss</c> (exactly 19 bytes, every field zero-padded) without
    /// allocating: the job parses one per message, two million times per run (jitted optimized at once, as the
    /// job's other per-message code: see <see cref="ReadingValidator"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseKey(ReadOnlySpan<byte> utf8, out DateTime minute)
    {
        minute = default;
        if (utf8.Length != 19 || utf8[4] != '-' || utf8[7] != '-' || utf8[10] != 'T' || utf8[13] != ':' || utf8[16] != ':')
        {
            return false;
        }

        if (!TryDigits(utf8[..4], out var year) || !TryDigits(utf8.Slice(5, 2), out var month)
            || !TryDigits(utf8.Slice(8, 2), out var day) || !TryDigits(utf8.Slice(11, 2), out var hour)
            || !TryDigits(utf8.Slice(14, 2), out var minuteOfHour) || !TryDigits(utf8.Slice(17, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minuteOfHour > 59 || second > 59)
        {
            return false;
        }

        minute = new DateTime(year, month, day, hour, minuteOfHour, second, DateTimeKind.Unspecified);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryDigits(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (var digit in digits)
        {
            var d = digit - (byte)'0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = value * 10 + d;
        }

        return true;
    }
}
