using EnergyPipeline.AppHost.Pipeline;
using Microsoft.Extensions.Configuration;

namespace EnergyPipeline.AppHost.Embedded;

/// <summary>
/// Where the embedded PostgreSQL keeps its data: by default a data directory kept between runs (what the container
/// topology's data volume is to its PostgreSQL), or with <c>Pipeline:Embedded:ThrowAway=true</c> a throw-away
/// server whose directory goes when the AppHost stops.
/// </summary>
public sealed record EmbeddedPostgresStorage(string? KeptDataDirectory)
{
    public const string DataDirectorySetting = "Pipeline:Embedded:DataDirectory";
    public const string ThrowAwaySetting = "Pipeline:Embedded:ThrowAway";

    public bool ThrowAway => KeptDataDirectory is null;

    /// <summary>
    /// The user's local data folder (<c>$XDG_DATA_HOME</c>, else <c>~/.local/share</c>) under
    /// <c>energy-pipeline/postgres</c>. As root the server runs as the postgres user, who cannot enter
    /// <c>/root</c>: there it is <c>/var/lib/energy-pipeline/postgres</c>.
    /// </summary>
    public static string DefaultDataDirectory => EmbeddedPostgresDirectory.RunsAsRoot
        ? "/var/lib/energy-pipeline/postgres"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "energy-pipeline", "postgres");

    public static EmbeddedPostgresStorage Read(IConfiguration configuration)
    {
        var throwAway = configuration[ThrowAwaySetting];
        if (!string.IsNullOrWhiteSpace(throwAway) && !bool.TryParse(throwAway, out _))
        {
            throw new PipelineConfigurationException($"{ThrowAwaySetting} is '{throwAway}'; use true or false.");
        }

        if (bool.TryParse(throwAway, out var isThrowAway) && isThrowAway)
        {
            return new EmbeddedPostgresStorage(KeptDataDirectory: null);
        }

        var directory = configuration[DataDirectorySetting];
        return new EmbeddedPostgresStorage(Path.GetFullPath(string.IsNullOrWhiteSpace(directory) ? DefaultDataDirectory : directory));
    }
}
