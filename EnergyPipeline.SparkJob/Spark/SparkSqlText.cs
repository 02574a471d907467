using System.Text;
using System.Text.RegularExpressions;

namespace EnergyPipeline.SparkJob.Spark;

/// <summary>
/// The only ways a configured value enters Spark SQL text: checked against a strict pattern, and then
/// written as a string literal by <see cref="Literal"/>. Nothing is concatenated raw.
/// </summary>
public static partial class SparkSqlText
{
    /// <summary>
    /// A Spark SQL string literal. Spark's lexer treats a backslash as an escape inside '...'
    /// (spark.sql.parser.escapedStringLiterals is false by default), so backslashes and quotes are escaped
    /// with one; control characters are written as escapes too so the text stays on one line.
    /// </summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '\'': builder.Append(@"\'"); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                case '\0': builder.Append(@"\0"); break;
                default:
                    if (char.IsControl(c))
                    {
                        throw new ArgumentException($"A control character (U+{(int)c:X4}) cannot be written in a Spark SQL literal.", nameof(value));
                    }

                    builder.Append(c);
                    break;
            }
        }

        return builder.Append('\'').ToString();
    }

    /// <summary>A comma-separated list of host:port, as Kafka's bootstrap.servers takes it.</summary>
    public static string HostPortList(string value, string setting)
    {
        var entries = (value ?? "").Split(',', StringSplitOptions.TrimEntries);
        if (entries.Length == 0 || entries.Any(entry => !IsHostPort(entry)))
        {
            throw Invalid(setting, value, "host:port[,host:port...] (for example kafka:29092)");
        }

        return string.Join(',', entries);
    }

    /// <summary>One host:port.</summary>
    public static string HostPort(string value, string setting) =>
        IsHostPort(value?.Trim() ?? "") ? value!.Trim() : throw Invalid(setting, value, "host:port (for example postgres:5432)");

    /// <summary>A Kafka topic name: letters, digits, '.', '_' and '-', at most 249 characters.</summary>
    public static string Topic(string value, string setting) =>
        TopicPattern().IsMatch(value ?? "") ? value! : throw Invalid(setting, value, "a Kafka topic name ([A-Za-z0-9._-], at most 249 characters)");

    /// <summary>A PostgreSQL database or user name without quoting needs: [A-Za-z_][A-Za-z0-9_]*, at most 63 characters.</summary>
    public static string Identifier(string value, string setting) =>
        IdentifierPattern().IsMatch(value ?? "") ? value! : throw Invalid(setting, value, "a name of letters, digits and '_' not starting with a digit (at most 63 characters)");

    /// <summary>An hdfs://host[:port] URI with an optional plain path, returned without a trailing slash.</summary>
    public static string HdfsUri(string value, string setting) =>
        HdfsPattern().IsMatch(value?.Trim() ?? "") ? value!.Trim().TrimEnd('/') : throw Invalid(setting, value, "hdfs://host[:port][/path] with a path of [A-Za-z0-9._-] segments (for example hdfs://namenode:8020)");

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0
            && HostPattern().IsMatch(value[..colon])
            && int.TryParse(value[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535;
    }

    private static ArgumentException Invalid(string setting, string? value, string expected) =>
        new($"{setting} is '{value}'; expected {expected}.");

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex TopicPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex(@"^hdfs://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:/(?!\.{1,2}(?:/|$))[A-Za-z0-9._-]+)*/?$")]
    private static partial Regex HdfsPattern();
}
