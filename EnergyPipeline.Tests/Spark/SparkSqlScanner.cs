using System.Text;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// An independent reading of Spark SQL text the way Spark's lexer splits it: single-quoted literals with
/// backslash escapes (spark.sql.parser.escapedStringLiterals=false), and everything else as code.
/// </summary>
internal static class SparkSqlScanner
{
    public static (string Code, IReadOnlyList<string> Literals) Split(string sql)
    {
        var code = new StringBuilder();
        var literals = new List<string>();
        for (var i = 0; i < sql.Length; i++)
        {
            if (sql[i] != '\'')
            {
                code.Append(sql[i]);
                continue;
            }

            var literal = new StringBuilder();
            i++;
            for (; i < sql.Length && sql[i] != '\''; i++)
            {
                if (sql[i] == '\\')
                {
                    i++;
                    literal.Append(sql[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', '0' => '\0', var c => c });
                }
                else
                {
                    literal.Append(sql[i]);
                }
            }

            if (i >= sql.Length)
            {
                throw new FormatException("unterminated literal");
            }

            literals.Add(literal.ToString());
            code.Append("?");
        }

        return (code.ToString(), literals);
    }
}
