using EnergyPipeline.Messaging;

namespace EnergyPipeline.Ingestor.Kafka;

/// <summary>
/// The UTF-8 bytes of <see cref="RawEnergyTopic.FormatKey"/> without the intermediate string (two million keys
/// per run); tests hold it equal to FormatKey for every minute of a generated file.
/// </summary>
public static class MessageKey
{
    public const int Length = 19;

    public static byte[] Utf8(DateTime minute)
    {
        var key = new byte[Length];
        var year = minute.Year;
        key[0] = (byte)('0' + (year / 1000));
        key[1] = (byte)('0' + (year / 100 % 10));
        key[2] = (byte)('0' + (year / 10 % 10));
        key[3] = (byte)('0' + (year % 10));
        key[4] = (byte)'-';
        TwoDigits(key, 5, minute.Month);
        key[7] = (byte)'-';
        TwoDigits(key, 8, minute.Day);
        key[10] = (byte)'T';
        TwoDigits(key, 11, minute.Hour);
        key[13] = (byte)':';
        TwoDigits(key, 14, minute.Minute);
        key[16] = (byte)':';
        TwoDigits(key, 17, minute.Second);
        return key;
    }

    private static void TwoDigits(byte[] key, int at, int value)
    {
        key[at] = (byte)('0' + (value / 10));
        key[at + 1] = (byte)('0' + (value % 10));
    }
}
