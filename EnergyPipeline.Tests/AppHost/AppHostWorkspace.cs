using EnergyPipeline.AppHost.Embedded;
using EnergyPipeline.LocalInfrastructure;
using EnergyPipeline.Ingestor.Generation;

namespace EnergyPipeline.Tests.AppHost;

/// <summary>
/// A directory for one test of the real AppHost: the generated files it ingests and its kept data directories. Not
/// <see cref="Directory.CreateTempSubdirectory(string)"/> (mode 0700): as root the embedded server runs as the
/// postgres user, who must be able to enter it.
/// </summary>
internal sealed class AppHostWorkspace : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"energy-apphost-{Guid.NewGuid():N}")).FullName;

    /// <summary>A data directory for <c>Pipeline:Embedded:DataDirectory</c> (created by the AppHost).</summary>
    public string DataDirectory => System.IO.Path.Combine(Path, "postgres");

    /// <summary>A generated household file of <paramref name="rows"/> rows; returns its path.</summary>
    public string WriteFile(long rows)
    {
        var file = System.IO.Path.Combine(Path, $"household-{rows}.txt");
        SyntheticHouseholdFile.WriteFile(file, rows);
        return file;
    }

    /// <summary>The PostgreSQL server binaries the embedded topology runs; the test is skipped where there are none.</summary>
    public static PostgresBinaries RequirePostgresBinaries()
    {
        var binaries = PostgresBinaries.Find();
        Assert.SkipWhen(binaries is null, "no PostgreSQL server binaries on this machine: " + EmbeddedPostgresResource.MissingBinariesMessage);
        return binaries;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
