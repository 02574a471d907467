using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>
/// Streams a household power file through one pooled buffer (memory flat in the file's size): optional UTF-8 BOM,
/// header checked, LF or CRLF, a last line without terminator accepted only when written as the data set writes its
/// lines. Every data line becomes a reading (handed to the sink) or a malformed line (counted, sampled, never handed on
/// as a reading); a line that parses but breaks a rule of the message contract is malformed with that rule's reason.
/// </summary>
public static class HouseholdFileReader
{
    public const int DefaultBufferSize = 1 << 20;
    public const int DefaultMalformedSampleSize = 20;

    /// <exception cref="HouseholdFormatException">The stream is empty or does not start with the expected header.</exception>
    public static ParseSummary Read(
        Stream stream,
        IHouseholdReadingSink sink,
        int malformedSampleSize = DefaultMalformedSampleSize,
        int bufferSize = DefaultBufferSize,
        CancellationToken cancellationToken = default) =>
        Read(stream, sink, malformedSampleSize, bufferSize, hash: null, cancellationToken);

    /// <param name="hash">Receives every byte read, in order: the bytes parsed are the bytes hashed.</param>
    private static ParseSummary Read(
        Stream stream, IHouseholdReadingSink sink, int malformedSampleSize, int bufferSize, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sink);
        var state = new ReadState(sink, new ParseSummary(), malformedSampleSize, expectHeader: true);
        Pump(stream, sink, state, bufferSize, hash, cancellationToken);
        if (!state.SawHeader)
        {
            throw new HouseholdFormatException($"The file is empty: expected the header line '{HouseholdPowerFormat.Header}'.");
        }

        return state.Summary;
    }

    /// <summary>Reads a file from disk with a sequential-scan hint.</summary>
    public static ParseSummary ReadFile(
        string path, IHouseholdReadingSink sink, int malformedSampleSize = DefaultMalformedSampleSize, CancellationToken cancellationToken = default)
    {
        using var stream = OpenSequential(path);
        return Read(stream, sink, malformedSampleSize, DefaultBufferSize, cancellationToken);
    }

    /// <summary>
    /// Reads a file once, hashing exactly the bytes parsed (SHA-256, in the reading loop), and tells whether the file
    /// changed while it was read: its length, modification time and identity are taken before and after
    /// (<see cref="Data.SourceFileState"/>).
    /// </summary>
    /// <param name="path">The file's name, as opened.</param>
    /// <param name="handle">The open file (<see cref="OpenSequential"/>), not read yet.</param>
    /// <param name="content">The stream its bytes are read through (the file's own, or one counting them for progress).</param>
    public static HashedRead ReadHashed(
        string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle, Stream content, IHouseholdReadingSink sink,
        int malformedSampleSize = DefaultMalformedSampleSize, CancellationToken cancellationToken = default)
    {
        var before = Data.SourceFileState.Of(handle);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var summary = Read(content, sink, malformedSampleSize, DefaultBufferSize, hash, cancellationToken);
        var change = Data.SourceFileState.WhatChanged(path, before, handle, summary.Bytes);
        return new HashedRead(summary, Convert.ToHexStringLower(hash.GetHashAndReset()), change);
    }

    /// <summary>
    /// Validation only (no sink): the file is split at line boundaries into ranges parsed by
    /// <paramref name="parallelism"/> threads; counts, sums, first/last timestamps and the malformed sample (with file line
    /// numbers) are the same as <see cref="ReadFile"/> gives.
    /// </summary>
    public static ParseSummary ValidateFile(
        string path, int parallelism, int malformedSampleSize = DefaultMalformedSampleSize, CancellationToken cancellationToken = default) =>
        ValidateFile(path, parallelism, 8L * DefaultBufferSize, malformedSampleSize, cancellationToken);

    internal static ParseSummary ValidateFile(
        string path, int parallelism, long minimumBytesToSplit, int malformedSampleSize, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        if (parallelism <= 1 || length < minimumBytesToSplit)
        {
            return ReadFile(path, NullReadingSink.Instance, malformedSampleSize, cancellationToken);
        }

        // More ranges than threads, so a thread slowed by other work on the machine does not hold up the end.
        // The header is checked by the first range, which also starts the line count at 1.
        var ranges = parallelism * 4;
        var starts = new long[ranges + 1];
        starts[ranges] = length;
        for (var i = 1; i < ranges; i++)
        {
            starts[i] = NextLineStart(handle, Math.Max(starts[i - 1], length * i / ranges), length);
        }

        var states = new ReadState[ranges];
        Parallel.For(0, ranges, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, i =>
        {
            var state = new ReadState(NullReadingSink.Instance, new ParseSummary(), malformedSampleSize, expectHeader: i == 0);
            using var range = new FileRangeStream(handle, starts[i], starts[i + 1]);
            Pump(range, NullReadingSink.Instance, state, DefaultBufferSize, hash: null, cancellationToken);
            states[i] = state;
        });

        if (!states[0].SawHeader)
        {
            throw new HouseholdFormatException($"The file is empty: expected the header line '{HouseholdPowerFormat.Header}'.");
        }

        return Merge(states, malformedSampleSize);
    }

    public static FileStream OpenSequential(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read,
        BufferSize = 0,
        Options = FileOptions.SequentialScan,
    });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pump(Stream stream, IHouseholdReadingSink sink, ReadState state, int bufferSize, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, 4096));
        try
        {
            var filled = 0;
            var skippingLongLine = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = stream.Read(buffer, filled, buffer.Length - filled);
                hash?.AppendData(buffer, filled, read);
                state.Summary.Bytes += read;
                filled += read;
                var endOfStream = read == 0;
                var data = buffer.AsSpan(0, filled);
                var consumed = 0;
                while (consumed < data.Length && !sink.ShouldStop)
                {
                    var rest = data[consumed..];
                    var newline = rest.IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        if (endOfStream)
                        {
                            if (!skippingLongLine)
                            {
                                state.UnterminatedLastLine(rest);
                            }

                            consumed = data.Length;
                        }

                        break;
                    }

                    if (skippingLongLine)
                    {
                        skippingLongLine = false;
                    }
                    else
                    {
                        state.Line(rest[..newline]);
                    }

                    consumed += newline + 1;
                }

                if (endOfStream || sink.ShouldStop)
                {
                    break;
                }

                if (consumed == 0 && filled == buffer.Length)
                {
                    // No line terminator in a whole buffer: report the line once (it may span many buffers) and drop
                    // bytes up to its end.
                    if (!skippingLongLine)
                    {
                        state.LongLine(buffer.AsSpan(0, 120));
                    }

                    skippingLongLine = true;
                    filled = 0;
                    continue;
                }

                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The offset just after the first line terminator at or after <paramref name="from"/> - 1.</summary>
    private static long NextLineStart(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long from, long length)
    {
        Span<byte> window = stackalloc byte[4096];
        for (var position = Math.Max(0, from - 1); position < length;)
        {
            var read = RandomAccess.Read(handle, window, position);
            if (read == 0)
            {
                break;
            }

            var newline = window[..read].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return position + newline + 1;
            }

            position += read;
        }

        return length;
    }

    private static ParseSummary Merge(ReadState[] states, int sampleSize)
    {
        var total = new ParseSummary();
        long linesBefore = 0;
        foreach (var state in states)
        {
            var part = state.Summary;
            total.DataLines += part.DataLines;
            total.Readings += part.Readings;
            total.MissingValueRows += part.MissingValueRows;
            foreach (var (reason, lines) in part.MalformedByReason)
            {
                total.CountMalformed(reason, lines);
            }

            total.Bytes += part.Bytes;
            total.GlobalActivePowerThousandthsSum += part.GlobalActivePowerThousandthsSum;
            total.FirstTimestamp ??= part.FirstTimestamp;
            total.LastTimestamp = part.LastTimestamp ?? total.LastTimestamp;
            foreach (var malformed in part.MalformedSample.Take(sampleSize - total.MalformedSample.Count))
            {
                total.MalformedSample.Add(malformed with { LineNumber = malformed.LineNumber + linesBefore });
            }

            linesBefore += state.LinesSeen;
        }

        return total;
    }

    private sealed class ReadState(IHouseholdReadingSink sink, ParseSummary summary, int sampleSize, bool expectHeader)
    {
        private long _lineNumber;
        private HouseholdLineParser.DateCache _dateCache;

        public ParseSummary Summary { get; } = summary;

        public bool SawHeader { get; private set; } = !expectHeader;

        /// <summary>Lines of this range, header included when the range has it.</summary>
        public long LinesSeen => _lineNumber;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Line(ReadOnlySpan<byte> line)
        {
            _lineNumber++;
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (!SawHeader)
            {
                CheckHeader(line);
                SawHeader = true;
                return;
            }

            Summary.DataLines++;
            if (!HouseholdLineParser.TryParse(line, ref _dateCache, out var reading, out var reason, out var detail))
            {
                Malformed(new MalformedLine(_lineNumber, reason, detail!, HouseholdPowerFormat.Printable(line)));
                return;
            }

            if (ReadingValidator.CheckReading(reading.Timestamp, reading.Thousandths, reading.MissingMask) is { } broken)
            {
                Malformed(new MalformedLine(_lineNumber, broken,
                    "the reading breaks a rule of the message contract (docs/contract.md, Message validity)", HouseholdPowerFormat.Printable(line)));
                return;
            }

            Summary.Readings++;
            if (reading.HasMissing)
            {
                Summary.MissingValueRows++;
            }
            else
            {
                Summary.GlobalActivePowerThousandthsSum += reading.Thousandths[0];
            }

            Summary.FirstTimestamp ??= reading.Timestamp;
            Summary.LastTimestamp = reading.Timestamp;
            sink.OnReading(reading, _lineNumber);
        }

        /// <summary>The file's last line, without terminator: a reading only when written as the data set writes every line.</summary>
        public void UnterminatedLastLine(ReadOnlySpan<byte> line)
        {
            var content = !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
            if (!SawHeader || HouseholdLineParser.IsWrittenLikeTheDataSet(content))
            {
                Line(line);
                return;
            }

            _lineNumber++;
            Summary.DataLines++;
            Malformed(new MalformedLine(_lineNumber, MalformedReason.TruncatedLastLine,
                "the last line has no line terminator and is not written as the data set writes its lines (it may have been cut short)",
                HouseholdPowerFormat.Printable(content)));
        }

        public void LongLine(ReadOnlySpan<byte> start)
        {
            _lineNumber++;
            Summary.DataLines++;
            Malformed(new MalformedLine(
                _lineNumber, MalformedReason.LineTooLong, "no line terminator within the read buffer", HouseholdPowerFormat.Printable(start)));
        }

        private void Malformed(MalformedLine malformed)
        {
            Summary.CountMalformed(malformed.Reason);
            if (Summary.MalformedSample.Count < sampleSize)
            {
                Summary.MalformedSample.Add(malformed);
            }

            sink.OnMalformed(malformed);
        }

        private static void CheckHeader(ReadOnlySpan<byte> line)
        {
            if (line.StartsWith(HouseholdPowerFormat.Utf8Bom))
            {
                line = line[HouseholdPowerFormat.Utf8Bom.Length..];
            }

            if (!line.SequenceEqual(HouseholdPowerFormat.HeaderUtf8))
            {
                throw new HouseholdFormatException(
                    "Not a UCI household power consumption file: line 1 must be the header " +
                    $"'{HouseholdPowerFormat.Header}' but is '{HouseholdPowerFormat.Printable(line)}'.");
            }
        }
    }

    /// <summary>A read-only window [start, end) of a file, read with positional reads (no shared file position).</summary>
    private sealed class FileRangeStream(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long start, long end) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, end - start - _read);
            if (wanted <= 0)
            {
                return 0;
            }

            var read = RandomAccess.Read(handle, buffer[..wanted], start + _read);
            _read += read;
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => end - start;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A file read once: what it held, the SHA-256 of exactly the bytes parsed, and what changed while it was read (null: nothing).</summary>
public sealed record HashedRead(ParseSummary Parse, string Sha256, string? Change);
