using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.ServiceDefaults.Kafka;

/// <summary>
/// The one place librdkafka's log and error callbacks become <see cref="ILogger"/> entries, for every client of the
/// services (producers, consumers, admin clients, health checks). Per client, a line that repeats the previous one
/// (numbers aside) is counted, not written, and reported as "... repeated N times" when another line comes or a
/// minute has passed; once a connection failure has been reported, further ones go to Debug for five minutes, so a
/// broker that is down for hours leaves a few lines, not thousands.
/// </summary>
public sealed class KafkaClientLog(ILogger logger, TimeProvider? time = null) : IDisposable
{
    /// <summary>The logger category of librdkafka's lines.</summary>
    public const string Category = "Confluent.Kafka";

    public static readonly TimeSpan RepeatReportInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan ConnectionFailureQuietPeriod = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, ClientState> _clients = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public KafkaClientLog(ILoggerFactory loggers, TimeProvider? time = null)
        : this(loggers.CreateLogger(Category), time)
    {
    }

    /// <summary>
    /// For <c>SetLogHandler</c>. The name comes with the message: librdkafka logs from inside the client's constructor
    /// (its broker threads start there), before the .NET client has a handle to ask for its name.
    /// </summary>
    public void Log(IClient client, LogMessage message) =>
        Guarded(() => Write(message.Name, message.Facility, message.Level.ToLogLevel(), message.Message));

    /// <summary>For <c>SetErrorHandler</c>: fatal errors are critical, the rest warnings.</summary>
    public void Error(IClient client, Error error) =>
        Guarded(() => Write(SafeName(client), "ERROR", error.IsFatal ? LogLevel.Critical : LogLevel.Warning, $"{error.Code}: {error.Reason}"));

    /// <summary>Writes the repeat counts still pending (at shutdown, or in tests).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            foreach (var (client, state) in _clients)
            {
                ReportRepeats(client, state);
            }
        }
    }

    /// <summary>Reports the counts still pending when the host disposes the log.</summary>
    public void Dispose() => Flush();

    public void Write(string client, string facility, LogLevel level, string text)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (!_clients.TryGetValue(client, out var state))
            {
                _clients[client] = state = new ClientState();
            }

            var shape = Shape(facility, text);
            if (shape == state.LastShape)
            {
                state.Repeats++;
                state.LastText = text;
                if (now - state.RepeatsSince >= RepeatReportInterval)
                {
                    ReportRepeats(client, state);
                    state.RepeatsSince = now;
                }

                return;
            }

            ReportRepeats(client, state);
            level = Demote(state, level, text, now);
            state.LastShape = shape;
            state.LastFacility = facility;
            state.LastText = text;
            state.LastLevel = level;
            state.RepeatsSince = now;
            if (logger.IsEnabled(level))
            {
                logger.Log(level, "[{KafkaClient}] [{Facility}] {KafkaMessage}", client, facility, text);
            }
        }
    }

    private void ReportRepeats(string client, ClientState state)
    {
        if (state.Repeats == 0)
        {
            return;
        }

        // The first of a connection failure was reported at its level; its repeats are noise.
        var level = IsConnectionFailure(state.LastText) ? LogLevel.Debug : state.LastLevel;
        if (logger.IsEnabled(level))
        {
            logger.Log(level, "[{KafkaClient}] [{Facility}] {KafkaMessage} ... repeated {Repeats} times",
                client, state.LastFacility, state.LastText, state.Repeats);
        }

        state.Repeats = 0;
    }

    private static LogLevel Demote(ClientState state, LogLevel level, string text, DateTimeOffset now)
    {
        if (!IsConnectionFailure(text))
        {
            return level;
        }

        if (state.ConnectionFailureReportedAt is { } reported && now - reported < ConnectionFailureQuietPeriod)
        {
            return LogLevel.Debug;
        }

        state.ConnectionFailureReportedAt = now;
        return level;
    }

    public static bool IsConnectionFailure(string text) =>
        text.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)
        || text.Contains("brokers are down", StringComparison.OrdinalIgnoreCase)
        || text.Contains("Local_AllBrokersDown", StringComparison.Ordinal)
        || text.Contains("Local_Transport", StringComparison.Ordinal);

    /// <summary>The line with its numbers masked: "after 3ms" and "after 7ms" are the same line.</summary>
    private static string Shape(string facility, string text)
    {
        var shape = new StringBuilder(facility.Length + 1 + text.Length).Append(facility).Append('|');
        var inNumber = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                if (!inNumber)
                {
                    shape.Append('#');
                }

                inNumber = true;
                continue;
            }

            inNumber = false;
            shape.Append(c);
        }

        return shape.ToString();
    }

    /// <summary>
    /// These handlers run on librdkafka's threads, called from native code: an exception escaping them ends the
    /// process, so none may.
    /// </summary>
    private static void Guarded(Action write)
    {
        try
        {
            write();
        }
        catch (Exception)
        {
            // Losing one log line is the lesser harm.
        }
    }

    /// <summary>The client's name; during its constructor (no handle yet) or after disposal there is none to ask.</summary>
    private static string SafeName(IClient client)
    {
        try
        {
            return client.Name;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or NullReferenceException)
        {
            return "(client)";
        }
    }

    private sealed class ClientState
    {
        public string? LastShape;
        public string LastFacility = "";
        public string LastText = "";
        public LogLevel LastLevel;
        public int Repeats;
        public DateTimeOffset RepeatsSince;
        public DateTimeOffset? ConnectionFailureReportedAt;
    }
}

public static class SyslogLevelExtensions
{
    /// <summary>librdkafka's syslog levels mapped onto <see cref="LogLevel"/>.</summary>
    public static LogLevel ToLogLevel(this SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}
