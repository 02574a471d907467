using System.Globalization;

namespace EnergyPipeline.LocalInfrastructure;

/// <summary>
/// The local PostgreSQL server binaries (initdb, postgres, pg_ctl): an explicit directory, else the newest
/// Debian/Ubuntu <c>/usr/lib/postgresql/N/bin</c>, else the first <c>PATH</c> entry that has them.
/// The AppHost's embedded database and the tests' throw-away servers both find them here.
/// </summary>
public sealed record PostgresBinaries(string BinDirectory)
{
    /// <summary>Overrides the search (tests and CI); the AppHost setting <c>Pipeline:Postgres:BinDirectory</c> does the same.</summary>
    public const string BinDirectoryVariable = "ENERGY_PG_BIN";

    public string Initdb => Path.Combine(BinDirectory, "initdb");

    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>The binaries, or null when none are installed.</summary>
    public static PostgresBinaries? Find(string? configuredDirectory = null)
    {
        var explicitDirectory = configuredDirectory is { Length: > 0 } ? configuredDirectory : Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (explicitDirectory is { Length: > 0 })
        {
            return Has(explicitDirectory) ? new PostgresBinaries(explicitDirectory) : null;
        }

        return DebianDirectories().Concat(PathDirectories()).Where(Has).Select(d => new PostgresBinaries(d)).FirstOrDefault();
    }

    private static bool Has(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres"));

    private static IEnumerable<string> DebianDirectories()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.GetDirectories(root)
            .Select(d => (Directory: d, Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(d => d.Version >= 0)
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Directory, "bin"));
    }

    private static IEnumerable<string> PathDirectories() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
}
