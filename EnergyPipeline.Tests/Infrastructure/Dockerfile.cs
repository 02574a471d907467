using System.Text.Json;
using System.Text.RegularExpressions;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// The instructions of a Dockerfile as BuildKit reads them: continuation lines joined, comments (and parser
/// directives) left out, <c>--flags</c> apart from the arguments, <c>${ARG}</c> replaced by the ARG's default.
/// </summary>
internal sealed partial record Dockerfile(string Path, IReadOnlyList<Dockerfile.Instruction> Instructions)
{
    public sealed record Instruction(string Keyword, IReadOnlyList<string> Flags, IReadOnlyList<string> Arguments)
    {
        /// <summary>COPY/ADD sources (every argument but the destination), for copies from the build context.</summary>
        public IReadOnlyList<string> Sources =>
            Keyword is "COPY" or "ADD" && !Flags.Any(f => f.StartsWith("--from=", StringComparison.Ordinal)) ? Arguments.SkipLast(1).ToList() : [];
    }

    /// <summary>The directory the AppHost builds the image from (<c>WithDockerfile(contextPath)</c>: the Dockerfile's own).</summary>
    public string Context => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>Every Dockerfile below <c>containers/</c>.</summary>
    public static IReadOnlyList<Dockerfile> AllInRepository() =>
        Directory.EnumerateFiles(RepositoryFiles.PathOf("containers"), "Dockerfile", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(Read).ToList();

    public static Dockerfile Read(string path)
    {
        var instructions = new List<Instruction>();
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.TrimStart();
            if (line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var text = (pending + line).Trim();
            pending = "";
            if (text.Length == 0)
            {
                continue;
            }

            var parts = text.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            var keyword = parts[0].ToUpperInvariant();
            var rest = Substitute(parts.Length > 1 ? parts[1].Trim() : "", args);
            var (flags, arguments) = Split(rest);
            if (keyword == "ARG" && arguments.Count == 1 && arguments[0].Split('=', 2) is [var name, var value])
            {
                args[name] = value;
            }

            instructions.Add(new Instruction(keyword, flags, arguments));
        }

        return new Dockerfile(path, instructions);
    }

    private static (IReadOnlyList<string> Flags, IReadOnlyList<string> Arguments) Split(string rest)
    {
        var tokens = rest.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
        var flags = tokens.TakeWhile(t => t.StartsWith("--", StringComparison.Ordinal)).ToList();
        var remainder = string.Join(' ', tokens.Skip(flags.Count));
        var arguments = remainder.StartsWith('[') ? JsonSerializer.Deserialize<List<string>>(remainder)! : tokens.Skip(flags.Count).ToList();
        return (flags, arguments);
    }

    private static string Substitute(string text, Dictionary<string, string> args) =>
        ArgReference().Replace(text, match => args.TryGetValue(match.Groups[1].Value + match.Groups[2].Value, out var value) ? value : match.Value);

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ArgReference();
}
