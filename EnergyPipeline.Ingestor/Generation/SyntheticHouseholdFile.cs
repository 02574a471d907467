using EnergyPipeline.Ingestor.Parsing;

namespace EnergyPipeline.Ingestor.Generation;

/// <summary>What a generated file holds (for callers that want the figures without re-reading it).</summary>
public sealed record GeneratedFileFacts(long Rows, long MissingValueRows, DateTime FirstTimestamp, DateTime LastTimestamp, long Bytes);

/// <summary>
/// A deterministic synthetic file in exactly the UCI format: the real one-minute grid from 16/12/2006 17:24:00,
/// unpadded d/M/yyyy dates, runs of missing-value rows (<c>?</c> fields, empty last field) in the real
/// proportion (25,979 of 2,075,259), plausible values with 3 decimals, LF line endings. Same rows and seed,
/// same bytes.
/// </summary>
public static class SyntheticHouseholdFile
{
    public const long FullRowCount = 2_075_259;
    public const long FullMissingRowCount = 25_979;
    public const ulong DefaultSeed = 42;

    /// <summary>About 4 MB of lines between two looks at the cancellation token.</summary>
    public const int RowsBetweenCancellationChecks = 65_536;

    public static DateTime FirstMinute { get; } = new(2006, 12, 16, 17, 24, 0, DateTimeKind.Unspecified);

    /// <summary>Missing-value rows in a file of <paramref name="rows"/> rows: the real proportion, rounded down.</summary>
    public static long MissingRowsFor(long rows) => (long)((Int128)rows * FullMissingRowCount / FullRowCount);

    public static GeneratedFileFacts Write(Stream output, long rows = FullRowCount, ulong seed = DefaultSeed) =>
        Write(output, rows, seed, CancellationToken.None);

    /// <param name="cancellationToken">Looked at every <see cref="RowsBetweenCancellationChecks"/> complete rows.</param>
    private static GeneratedFileFacts Write(Stream output, long rows, ulong seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);

        var layoutRandom = new DeterministicRandom(seed ^ 0x5EED_0F_0A_11_DA_7AUL);
        var layout = new MissingRunLayout(rows, MissingRowsFor(rows), ref layoutRandom);
        var model = new HouseholdLoadModel(seed);
        using var writer = new LineWriter(output);
        writer.WriteHeader();

        Span<int> values = stackalloc int[HouseholdPowerFormat.MeasureCount];
        var minute = FirstMinute;
        long written = 0, complete = 0;
        while (written < rows)
        {
            if (complete % RowsBetweenCancellationChecks == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (layout.RunsAfterCompleteRows.TryGetValue(complete, out var runLength))
            {
                for (var i = 0; i < runLength; i++, written++, minute = minute.AddMinutes(1))
                {
                    writer.WriteMissing(minute);
                }

                if (written >= rows)
                {
                    break;
                }
            }

            model.Next(minute, values);
            writer.WriteReading(minute, values);
            written++;
            complete++;
            minute = minute.AddMinutes(1);
        }

        writer.Flush();
        return new GeneratedFileFacts(
            rows, layout.MissingRows, FirstMinute, FirstMinute.AddMinutes(Math.Max(0, rows - 1)), writer.BytesWritten);
    }

    public static GeneratedFileFacts WriteFile(string path, long rows = FullRowCount, ulong seed = DefaultSeed) =>
        WriteFile(path, rows, seed, CancellationToken.None);

    private static GeneratedFileFacts WriteFile(string path, long rows, ulong seed, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        return Write(file, rows, seed, cancellationToken);
    }

    /// <summary>
    /// Writes the file under a temporary name beside <paramref name="path"/> (<c>PATH.ID.part</c>) and gives it its
    /// name only when it is complete: a file under the requested name is always a whole one, and a write that fails or
    /// is cancelled removes its temporary file (an existing file under the name stays as it was).
    /// </summary>
    public static GeneratedFileFacts WriteFileAtomically(string path, long rows = FullRowCount, ulong seed = DefaultSeed, CancellationToken cancellationToken = default)
    {
        var part = $"{path}.{Guid.NewGuid().ToString("N")[..8]}.part";
        try
        {
            var facts = WriteFile(part, rows, seed, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(part, path, overwrite: true);
            return facts;
        }
        finally
        {
            File.Delete(part);
        }
    }

    private sealed class LineWriter(Stream output) : IDisposable
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _used;

        public long BytesWritten { get; private set; }

        public void WriteHeader()
        {
            Append(HouseholdPowerFormat.HeaderUtf8);
            Append((byte)'\n');
        }

        public void WriteMissing(DateTime minute)
        {
            WriteTimestamp(minute);
            Append(";?;?;?;?;?;?;\n"u8);
        }

        public void WriteReading(DateTime minute, ReadOnlySpan<int> thousandths)
        {
            WriteTimestamp(minute);
            foreach (var value in thousandths)
            {
                Append(HouseholdPowerFormat.Separator);
                WriteThousandths(value);
            }

            Append((byte)'\n');
        }

        private void WriteTimestamp(DateTime t)
        {
            EnsureRoom(64);
            WriteUnpadded(t.Day);
            Append((byte)'/');
            WriteUnpadded(t.Month);
            Append((byte)'/');
            WriteUnpadded(t.Year);
            Append(HouseholdPowerFormat.Separator);
            WriteTwoDigits(t.Hour);
            Append((byte)':');
            WriteTwoDigits(t.Minute);
            Append((byte)':');
            WriteTwoDigits(t.Second);
        }

        private void WriteThousandths(int value)
        {
            WriteUnpadded(value / 1000);
            Append((byte)'.');
            var fraction = value % 1000;
            Append((byte)('0' + (fraction / 100)));
            Append((byte)('0' + (fraction / 10 % 10)));
            Append((byte)('0' + (fraction % 10)));
        }

        private void WriteUnpadded(int value)
        {
            EnsureRoom(16);
            if (!value.TryFormat(_buffer.AsSpan(_used), out var length, default, System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException("The line buffer is too small.");
            }

            _used += length;
        }

        private void WriteTwoDigits(int value)
        {
            Append((byte)('0' + (value / 10)));
            Append((byte)('0' + (value % 10)));
        }

        private void Append(byte b)
        {
            EnsureRoom(1);
            _buffer[_used++] = b;
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            EnsureRoom(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_used));
            _used += bytes.Length;
        }

        private void EnsureRoom(int bytes)
        {
            if (_used + bytes > _buffer.Length)
            {
                Flush();
            }
        }

        public void Flush()
        {
            output.Write(_buffer, 0, _used);
            BytesWritten += _used;
            _used = 0;
        }

        public void Dispose() => output.Flush();
    }
}
