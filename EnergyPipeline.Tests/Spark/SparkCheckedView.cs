using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// Reads the Spark plan's checked view and readings view as text and evaluates them for one record, the way Spark
/// 3.5 evaluates the few expressions they use (each behaviour cited in containers/spark/README.md, "Validity"):
/// CASE stops at the first true condition; AND, OR and NOT are SQL's three-valued logic; RLIKE and regexp_extract
/// use java.util.regex's find (evaluated here with .NET's Regex: the definition's patterns keep to the syntax both read
/// alike); CAST(binary AS STRING) keeps the bytes; decode replaces malformed UTF-8; regexp_extract answers '' when
/// nothing matches; try_to_timestamp under the CORRECTED policy is NULL for text the strict parser refuses.
/// Independent of the C# validator: it only knows Spark's functions, not the rules.
/// </summary>
internal static partial class SparkCheckedView
{
    /// <summary>The reasons of the CASE's WHEN ... THEN branches, in order.</summary>
    public static IReadOnlyList<string> WhenThenReasons(string checkedView) =>
        ((Case)Parse(CaseText(checkedView))).Branches.Select(b => (string)Text(((Literal)b.Then).Value)!).ToList();

    /// <summary>The reason the checked view gives a record (null when valid).</summary>
    public static string? InvalidReason(string checkedView, byte[]? key, byte[]? value)
    {
        var row = Row(checkedView, key, value);
        return Text(Evaluate(Parse(CaseText(checkedView)), row));
    }

    /// <summary>A valid record's measures as the readings view casts them (null = missing).</summary>
    public static IReadOnlyList<decimal?> Measures(string checkedView, string readingsView, IReadOnlyList<string> fields, byte[] key, byte[] value)
    {
        var row = Row(checkedView, key, value);
        return fields.Select(field =>
        {
            var expression = Regex.Match(readingsView, $@"^\s*(?<e>.+) AS {field},?$", RegexOptions.Multiline).Groups["e"].Value;
            return (decimal?)Evaluate(Parse(expression), row);
        }).ToList();
    }

    private static Dictionary<string, object?> Row(string checkedView, byte[]? key, byte[]? value)
    {
        // CAST(`key` AS STRING) keeps the key's bytes.
        var row = new Dictionary<string, object?> { ["reading_key"] = key is null ? null : new SqlString(key), ["reading_value"] = value };
        var inner = checkedView[(checkedView.IndexOf("SELECT *,", StringComparison.Ordinal) + 9)..checkedView.LastIndexOf("FROM ", StringComparison.Ordinal)];
        foreach (var column in SplitTopLevel(inner))
        {
            var at = column.LastIndexOf(" AS ", StringComparison.Ordinal);
            row[column[(at + 4)..].Trim()] = Evaluate(Parse(column[..at]), row);
        }

        return row;
    }

    private static string CaseText(string checkedView)
    {
        var start = checkedView.IndexOf("CASE", StringComparison.Ordinal);
        var end = checkedView.IndexOf("END AS invalid_reason", StringComparison.Ordinal) + 3;
        return checkedView[start..end];
    }

    /// <summary>A Spark STRING: UTF-8 bytes, compared byte for byte.</summary>
    private sealed record SqlString(byte[] Bytes)
    {
        public override string ToString() => Encoding.UTF8.GetString(Bytes);
        public bool Equals(SqlString? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);
        public override int GetHashCode() => Bytes.Length;
    }

    private static SqlString Str(string text) => new(Encoding.UTF8.GetBytes(text));

    private static string? Text(object? value) => value switch { null => null, SqlString s => s.ToString(), _ => throw new InvalidOperationException($"not a string: {value}") };

    // ---- expressions ----
    private abstract record Expr;
    private sealed record Literal(object? Value) : Expr;
    private sealed record Column(string Name) : Expr;
    private sealed record Call(string Name, IReadOnlyList<Expr> Args) : Expr;
    private sealed record Cast(Expr Operand, string Type) : Expr;
    private sealed record Unary(string Op, Expr Operand) : Expr;
    private sealed record Binary(string Op, Expr Left, Expr Right) : Expr;
    private sealed record Between(Expr Operand, Expr Low, Expr High, bool Negated) : Expr;
    private sealed record Case(IReadOnlyList<(Expr When, Expr Then)> Branches) : Expr;

    private static object? Evaluate(Expr expr, Dictionary<string, object?> row) => expr switch
    {
        Literal l => l.Value,
        Column c => row.TryGetValue(c.Name, out var v) ? v : throw new InvalidOperationException($"unknown column {c.Name}"),
        Case k => EvaluateCase(k, row),
        Unary { Op: "NOT" } u => Evaluate(u.Operand, row) is bool b ? !b : null,
        Unary { Op: "IS NULL" } u => Evaluate(u.Operand, row) is null,
        Unary { Op: "IS NOT NULL" } u => Evaluate(u.Operand, row) is not null,
        Binary { Op: "AND" } a => And(Evaluate(a.Left, row), () => Evaluate(a.Right, row)),
        Binary { Op: "OR" } o => Or(Evaluate(o.Left, row), () => Evaluate(o.Right, row)),
        Binary b => Compare(b.Op, Evaluate(b.Left, row), Evaluate(b.Right, row)),
        Between b => Evaluate(b.Operand, row) is decimal x && Evaluate(b.Low, row) is decimal lo && Evaluate(b.High, row) is decimal hi
            ? (x >= lo && x <= hi) != b.Negated : null,
        Cast c => CastTo(Evaluate(c.Operand, row), c.Type),
        Call f => Function(f.Name, f.Args.Select(a => Evaluate(a, row)).ToList()),
        _ => throw new InvalidOperationException(expr.ToString()),
    };

    // CASE: the first branch whose condition is true, later conditions not evaluated; NULL when none is.
    private static object? EvaluateCase(Case k, Dictionary<string, object?> row)
    {
        foreach (var (when, then) in k.Branches)
        {
            if (Evaluate(when, row) is true)
            {
                return Evaluate(then, row);
            }
        }

        return null;
    }

    // Spark's And/Or: false AND x is false, true OR x is true, without evaluating x.
    private static object? And(object? left, Func<object?> right) => left is false ? false : right() is var r && r is false ? false : left is null || r is null ? null : true;

    private static object? Or(object? left, Func<object?> right) => left is true ? true : right() is var r && r is true ? true : left is null || r is null ? null : false;

    private static object? Compare(string op, object? left, object? right)
    {
        if (left is null || right is null)
        {
            return null;
        }

        if (op == "RLIKE")
        {
            return new Regex(Text(right)!).IsMatch(Text(left)!);
        }

        var order = (left, right) switch
        {
            (SqlString a, SqlString b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes),
            (byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b),
            _ => Convert.ToDecimal(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(right, CultureInfo.InvariantCulture)),
        };
        return op switch { "=" => order == 0, "<>" => order != 0, "<" => order < 0, ">" => order > 0, "<=" => order <= 0, ">=" => order >= 0, _ => throw new InvalidOperationException(op) };
    }

    private static object? CastTo(object? value, string type)
    {
        if (value is null)
        {
            return null;
        }

        if (type == "STRING")
        {
            return value is byte[] bytes ? new SqlString(bytes) : value;
        }

        var decimalType = Regex.Match(type, @"^DECIMAL\((\d+),(\d+)\)$");
        if (!decimalType.Success)
        {
            throw new InvalidOperationException(type);
        }

        // Non-ANSI string -> DECIMAL: NULL when the text is not a number or does not fit the precision.
        var precision = int.Parse(decimalType.Groups[1].Value, CultureInfo.InvariantCulture);
        var scale = int.Parse(decimalType.Groups[2].Value, CultureInfo.InvariantCulture);
        if (!decimal.TryParse(Text(value), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var rounded = Math.Round(number, scale, MidpointRounding.AwayFromZero);
        return Math.Abs(rounded) >= (decimal)Math.Pow(10, precision - scale) ? null : rounded;
    }

    private static object? Function(string name, List<object?> args)
    {
        switch (name)
        {
            case "octet_length":
                return args[0] is byte[] b ? b.Length : args[0] is SqlString s ? s.Bytes.Length : null;
            case "decode":
                // new String(bytes, UTF-8): malformed input becomes U+FFFD.
                return args[0] is byte[] raw ? Str(new UTF8Encoding(false, false).GetString(raw)) : null;
            case "encode":
                return args[0] is SqlString text ? Encoding.UTF8.GetBytes(text.ToString()) : null;
            case "regexp_extract":
            {
                if (args[0] is null)
                {
                    return null;
                }

                var match = new Regex(Text(args[1])!).Match(Text(args[0])!);
                return Str(match.Success ? match.Groups[Convert.ToInt32(args[2], CultureInfo.InvariantCulture)].Value : "");
            }

            case "regexp_extract_all":
                return args[0] is null ? null : new Regex(Text(args[1])!).Matches(Text(args[0])!)
                    .Select(m => (object?)Str(m.Groups[Convert.ToInt32(args[2], CultureInfo.InvariantCulture)].Value)).ToList();
            case "array":
                return args.ToList();
            case "array_except":
                return ((List<object?>)args[0]!).Distinct().Where(x => !((List<object?>)args[1]!).Contains(x)).ToList();
            case "array_distinct":
                return ((List<object?>)args[0]!).Distinct().ToList();
            case "size":
                return ((List<object?>)args[0]!).Count;
            case "right":
            {
                var whole = Text(args[0])!;
                var length = Convert.ToInt32(args[1], CultureInfo.InvariantCulture);
                return Str(whole.Length <= length ? whole : whole[^length..]);
            }

            case "NULLIF":
                return Equals(args[0], args[1]) ? null : args[0];
            case "try_to_timestamp":
                return TryToTimestamp(Text(args[0]), Text(args[1])!);
            default:
                throw new InvalidOperationException($"function {name} is not modelled");
        }
    }

    /// <summary>
    /// try_to_timestamp with the pattern yyyy-MM-dd'T'HH:mm:ss under CORRECTED: Spark's DateTimeFormatter ('y' read as
    /// 'u', proleptic year, ResolverStyle.STRICT, case-insensitive) or NULL.
    /// </summary>
    private static object? TryToTimestamp(string? text, string pattern)
    {
        Assert.Equal("yyyy-MM-dd'T'HH:mm:ss", pattern);
        var m = text is null ? null : Regex.Match(text, @"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})$");
        if (m is null || !m.Success)
        {
            return null;
        }

        int Part(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
        var (year, month, day, hour, minute, second) = (Part(1), Part(2), Part(3), Part(4), Part(5), Part(6));
        var leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        int[] days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        return month is >= 1 and <= 12 && day >= 1 && day <= days[month - 1] && hour <= 23 && minute <= 59 && second <= 59
            ? (object)(year, month, day, hour, minute, second) : null;
    }

    // ---- parser ----
    private static Expr Parse(string text)
    {
        var tokens = Tokenize(text);
        var at = 0;
        var expr = ParseOr(tokens, ref at);
        if (at != tokens.Count)
        {
            throw new FormatException($"unexpected '{tokens[at].Text}' in {text}");
        }

        return expr;
    }

    private sealed record Token(string Text, bool IsString = false);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '\'')
            {
                // Spark's literal: backslash escapes (spark.sql.parser.escapedStringLiterals=false).
                var literal = new StringBuilder();
                for (i++; text[i] != '\''; i++)
                {
                    if (text[i] == '\\')
                    {
                        i++;
                        literal.Append(text[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', '0' => '\0', var e => e });
                    }
                    else
                    {
                        literal.Append(text[i]);
                    }
                }

                i++;
                tokens.Add(new Token(literal.ToString(), IsString: true));
            }
            else if (c is '<' or '>' && i + 1 < text.Length && text[i + 1] is '>' or '=')
            {
                tokens.Add(new Token(text.Substring(i, 2)));
                i += 2;
            }
            else if ("(),=<>".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(new Token(c.ToString()));
                i++;
            }
            else
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' or '`'))
                {
                    i++;
                }

                if (start == i)
                {
                    throw new FormatException($"unexpected '{c}'");
                }

                tokens.Add(new Token(text[start..i].Trim('`')));
            }
        }

        return tokens;
    }

    private static bool Is(List<Token> t, int at, string word) => at < t.Count && !t[at].IsString && string.Equals(t[at].Text, word, StringComparison.OrdinalIgnoreCase);

    private static void Expect(List<Token> t, ref int at, string word)
    {
        if (!Is(t, at, word))
        {
            throw new FormatException($"expected {word} at {(at < t.Count ? t[at].Text : "end")}");
        }

        at++;
    }

    private static Expr ParseOr(List<Token> t, ref int at)
    {
        var left = ParseAnd(t, ref at);
        while (Is(t, at, "OR"))
        {
            at++;
            left = new Binary("OR", left, ParseAnd(t, ref at));
        }

        return left;
    }

    private static Expr ParseAnd(List<Token> t, ref int at)
    {
        var left = ParseNot(t, ref at);
        while (Is(t, at, "AND"))
        {
            at++;
            left = new Binary("AND", left, ParseNot(t, ref at));
        }

        return left;
    }

    private static Expr ParseNot(List<Token> t, ref int at)
    {
        if (Is(t, at, "NOT"))
        {
            at++;
            return new Unary("NOT", ParseNot(t, ref at));
        }

        return ParsePredicate(t, ref at);
    }

    private static Expr ParsePredicate(List<Token> t, ref int at)
    {
        var left = ParsePrimary(t, ref at);
        if (Is(t, at, "IS"))
        {
            at++;
            var negated = Is(t, at, "NOT");
            if (negated)
            {
                at++;
            }

            Expect(t, ref at, "NULL");
            return new Unary(negated ? "IS NOT NULL" : "IS NULL", left);
        }

        var not = Is(t, at, "NOT") && Is(t, at + 1, "BETWEEN");
        if (not || Is(t, at, "BETWEEN"))
        {
            at += not ? 2 : 1;
            var low = ParsePrimary(t, ref at);
            Expect(t, ref at, "AND");
            return new Between(left, low, ParsePrimary(t, ref at), not);
        }

        foreach (var op in new[] { "RLIKE", "=", "<>", "<=", ">=", "<", ">" })
        {
            if (Is(t, at, op))
            {
                at++;
                return new Binary(op, left, ParsePrimary(t, ref at));
            }
        }

        return left;
    }

    private static Expr ParsePrimary(List<Token> t, ref int at)
    {
        var token = t[at++];
        if (token.IsString)
        {
            return new Literal(Str(token.Text));
        }

        if (token.Text == "(")
        {
            var inner = ParseOr(t, ref at);
            Expect(t, ref at, ")");
            return inner;
        }

        if (decimal.TryParse(token.Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return new Literal(number);
        }

        if (string.Equals(token.Text, "CASE", StringComparison.OrdinalIgnoreCase))
        {
            var branches = new List<(Expr, Expr)>();
            while (Is(t, at, "WHEN"))
            {
                at++;
                var when = ParseOr(t, ref at);
                Expect(t, ref at, "THEN");
                branches.Add((when, ParseOr(t, ref at)));
            }

            Expect(t, ref at, "END");
            return new Case(branches);
        }

        if (string.Equals(token.Text, "CAST", StringComparison.OrdinalIgnoreCase))
        {
            Expect(t, ref at, "(");
            var operand = ParseOr(t, ref at);
            Expect(t, ref at, "AS");
            var type = new StringBuilder();
            while (!Is(t, at, ")") || type.ToString().Count(ch => ch == '(') > type.ToString().Count(ch => ch == ')'))
            {
                type.Append(t[at++].Text);
            }

            at++;
            return new Cast(operand, type.ToString());
        }

        if (Is(t, at, "("))
        {
            at++;
            var args = new List<Expr>();
            while (!Is(t, at, ")"))
            {
                args.Add(ParseOr(t, ref at));
                if (Is(t, at, ","))
                {
                    at++;
                }
            }

            at++;
            return new Call(token.Text, args);
        }

        return new Column(token.Text);
    }

    /// <summary>Splits a SELECT list at commas outside parentheses and literals.</summary>
    private static List<string> SplitTopLevel(string list)
    {
        var parts = new List<string>();
        var depth = 0;
        var inLiteral = false;
        var start = 0;
        for (var i = 0; i < list.Length; i++)
        {
            var c = list[i];
            if (inLiteral)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '\'')
                {
                    inLiteral = false;
                }
            }
            else if (c == '\'')
            {
                inLiteral = true;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                parts.Add(list[start..i]);
                start = i + 1;
            }
        }

        parts.Add(list[start..]);
        return parts.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
    }
}
