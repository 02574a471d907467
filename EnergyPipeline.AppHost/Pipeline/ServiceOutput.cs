using System.Text.Json;
using EnergyPipeline.Progress;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// What the console needs from one run of a service, read from its output as DCP streams it: the cause of a failure,
/// the JSON summary line the service ends with, and its progress lines (<see cref="ProgressLine"/>).
/// </summary>
public sealed class ServiceOutput
{
    private readonly Lock _gate = new();
    private string? _errorLine;
    private string? _summaryError;
    private string? _failLog;
    private string? _firstStandardError;
    private JsonElement? _summary;
    private bool _failLinePending;

    /// <summary>Both services' own error lines: <c>error: ...</c> (ingestor, and a usage error of either), <c>Job failed: ...</c>.</summary>
    private static readonly string[] ErrorPrefixes = ["error:", "Job failed:"];

    /// <summary>Takes one line of output (without DCP's timestamp); returns it as progress when it is a progress line.</summary>
    public ProgressLine? Add(string text, bool isStandardError)
    {
        lock (_gate)
        {
            if (_failLinePending)
            {
                // Console logger format: "fail: Category[0]" and the message on the next line.
                _failLog ??= text;
                _failLinePending = false;
            }
            else if (text.StartsWith("fail:", StringComparison.Ordinal) || text.StartsWith("crit:", StringComparison.Ordinal))
            {
                _failLinePending = true;
            }

            if (isStandardError)
            {
                _firstStandardError ??= text;
            }

            if (_errorLine is null && ErrorPrefixes.FirstOrDefault(p => text.StartsWith(p, StringComparison.Ordinal)) is { } prefix)
            {
                _errorLine = text[prefix.Length..].Trim();
            }

            if (Summary(text) is { } summary)
            {
                _summary = summary;
                _summaryError = summary.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null;
            }
        }

        return ProgressLine.Parse(text);
    }

    /// <summary>The run has printed its last word: the summary line, or an error line (a usage error prints no summary).</summary>
    public bool HasEnded
    {
        get
        {
            lock (_gate)
            {
                return _summary is not null || _errorLine is not null;
            }
        }
    }

    /// <summary>The summary line of the run, once it has been printed.</summary>
    public JsonElement? SummaryLine
    {
        get
        {
            lock (_gate)
            {
                return _summary;
            }
        }
    }

    /// <summary>
    /// Why the run failed, in one line: the service's first error line (what went wrong comes first; usage text and
    /// stack traces follow it), else its summary's error, else its first logged failure, else its first line on
    /// standard error. Null when it printed none of these yet.
    /// </summary>
    public string? FailureReason
    {
        get
        {
            lock (_gate)
            {
                return _errorLine ?? _summaryError ?? _failLog ?? _firstStandardError;
            }
        }
    }

    private static JsonElement? Summary(string line)
    {
        if (!line.StartsWith('{') || !line.Contains("\"status\"", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("status", out _)
                ? json.RootElement.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
