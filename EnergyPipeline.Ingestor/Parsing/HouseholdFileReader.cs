using System.Buffers;
using System.Runtime.CompilerServices;

namespace EnergyPipeline.Ingestor.Parsing;

/// <summary>
/// Streams a household power file through one pooled buffer (memory flat in the file's size): optional UTF-8 BOM,
/// header checked, LF or CRLF, a last line without terminator accepted. Every data line becomes a reading
/// (handed to the sink) or a malformed line (counted, sampled, never handed on as a reading).
/// </summary>
public static class HouseholdFileReader
{
    public const int DefaultBufferSize = 1 << 20;
    public const int DefaultMalformedSampleSize = 20;

    /// <exception cref="HouseholdFormatException">The stream is empty or does not start with the expected header.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ParseSummary Read(
        Stream stream,
        IHouseholdReadingSink sink,
        int malformedSampleSize = DefaultMalformedSampleSize,
        int bufferSize = DefaultBufferSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sink);
        var state = new ReadState(sink, new ParseSummary(), malformedSampleSize);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, 4096));
        try
        {
            var filled = 0;
            var skippingLongLine = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = stream.Read(buffer, filled, buffer.Length - filled);
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
                                state.Line(rest);
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
                    // No line terminator in a whole buffer: report the line and drop bytes up to its end.
                    state.LongLine(buffer.AsSpan(0, 120));
                    skippingLongLine = true;
                    filled = 0;
                    continue;
                }

                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }

            if (!state.SawHeader)
            {
                throw new HouseholdFormatException(
                    $"The file is empty: expected the header line '{HouseholdPowerFormat.Header}'.");
            }

            return state.Summary;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a file from disk with a sequential-scan hint.</summary>
    public static ParseSummary ReadFile(
        string path, IHouseholdReadingSink sink, int malformedSampleSize = DefaultMalformedSampleSize, CancellationToken cancellationToken = default)
    {
        using var stream = OpenSequential(path);
        return Read(stream, sink, malformedSampleSize, DefaultBufferSize, cancellationToken);
    }

    public static FileStream OpenSequential(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read,
        BufferSize = 0,
        Options = FileOptions.SequentialScan,
    });

    private sealed class ReadState(IHouseholdReadingSink sink, ParseSummary summary, int sampleSize)
    {
        private long _lineNumber;
        private HouseholdLineParser.DateCache _dateCache;

        public ParseSummary Summary { get; } = summary;

        public bool SawHeader { get; private set; }

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

        public void LongLine(ReadOnlySpan<byte> start)
        {
            _lineNumber++;
            Summary.DataLines++;
            Malformed(new MalformedLine(
                _lineNumber, MalformedReason.LineTooLong, "no line terminator within the read buffer", HouseholdPowerFormat.Printable(start)));
        }

        private void Malformed(MalformedLine malformed)
        {
            Summary.Malformed++;
            if (Summary.MalformedSample.Count < sampleSize)
            {
                Summary.MalformedSample.Add(malformed);
            }

            sink.OnMalformed(malformed);
        }

        private void CheckHeader(ReadOnlySpan<byte> line)
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
}
