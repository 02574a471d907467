using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Parsing;

namespace EnergyPipeline.Ingestor.Data;

/// <summary>
/// Which file to ingest: an explicit path (Ingestor:File or --file) must exist and is never downloaded;
/// otherwise the data set in the data directory, downloaded there when absent.
/// </summary>
public static class DataFileLocator
{
    public static async Task<string> ResolveAsync(IngestorOptions options, Func<DatasetDownloader> downloader, CancellationToken cancellationToken = default)
    {
        if (!string.IsNullOrWhiteSpace(options.File))
        {
            return File.Exists(options.File)
                ? options.File
                : throw new FileNotFoundException($"The file to ingest, '{options.File}' (Ingestor:File or --file), does not exist.", options.File);
        }

        var inDataDirectory = Path.Combine(options.DataDirectory, HouseholdPowerFormat.FileName);
        return File.Exists(inDataDirectory)
            ? inDataDirectory
            : await downloader().DownloadAsync(options.DataDirectory, options.DownloadUrl, options.ExpectedSha256, cancellationToken);
    }
}
