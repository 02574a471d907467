using EnergyPipeline.Ingestor.Parsing;

namespace EnergyPipeline.Ingestor.Data;

/// <summary>
/// Looks at the start of a file before it is read, so a wrong input is named for what it is: a directory, a binary
/// file (told without echoing its bytes to the terminal), or text without any line break in the first
/// <see cref="ProbeBytes"/> bytes. Everything else is left to the reader's own header and line checks.
/// </summary>
public static class DataFileCheck
{
    public const int ProbeBytes = 64 * 1024;

    /// <summary>Null when the path is an existing file, else why not ("is a directory", "does not exist").</summary>
    public static string? WhyNotAFile(string path) =>
        Directory.Exists(path) ? $"'{path}' is a directory, not a file"
        : File.Exists(path) ? null
        : $"'{path}' does not exist";

    /// <summary>Throws <see cref="HouseholdFormatException"/> for a binary file or one without a line break near its start.</summary>
    public static void CheckContent(string path)
    {
        var buffer = new byte[ProbeBytes];
        int read;
        long length;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None))
        {
            length = file.Length;
            read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }

        var start = buffer.AsSpan(0, read);
        // Text files (UTF-8 or ASCII) hold no NUL and few control characters; the data set has none but CR, LF, TAB.
        var control = 0;
        foreach (var b in start)
        {
            if (b == 0 || (b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t')))
            {
                control++;
            }
        }

        if (control > 0 && (start.Contains((byte)0) || control * 100 > read))
        {
            throw new HouseholdFormatException(
                $"'{path}' looks like a binary file ({control:N0} control bytes in its first {read:N0} bytes), not the text file " +
                $"household_power_consumption.txt (';'-separated lines starting with the header '{HouseholdPowerFormat.Header}').");
        }

        if (length > ProbeBytes && !start.Contains((byte)'\n'))
        {
            throw new HouseholdFormatException(
                $"'{path}' has no line break in the first {ProbeBytes:N0} bytes: not a line-per-reading text file like household_power_consumption.txt.");
        }
    }
}
