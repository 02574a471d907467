using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Generation;
using EnergyPipeline.Ingestor.Parsing;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Ingestor.Data;

/// <summary>How the file to ingest was found.</summary>
public enum DataFileOrigin
{
    /// <summary>Ingestor:File or --file.</summary>
    Given,

    /// <summary>Under the data set's name in the data directory, found there or downloaded there.</summary>
    DataSetPlace,

    /// <summary>The synthetic full-size file, made because the data set could not be downloaded.</summary>
    Generated,
}

/// <summary>The file to ingest and how it was found; its <c>"source"</c> in the run summary follows from its bytes.</summary>
public sealed record DataFile(string Path, DataFileOrigin Origin)
{
    public const string UciSource = "uci";
    public const string FileSource = "file";
    public const string GeneratedSource = "generated";

    /// <summary>
    /// The run summary's <c>"source"</c>: <c>uci</c> only when the bytes parsed are the published UCI file (their SHA-256
    /// is <see cref="IngestorOptions.RealFileSha256"/>), <c>generated</c> for the offline fallback's synthetic file,
    /// <c>file</c> for anything else, wherever it lies and whatever its name.
    /// </summary>
    public string SourceFor(string sha256) =>
        string.Equals(sha256, IngestorOptions.RealFileSha256, StringComparison.OrdinalIgnoreCase) ? UciSource
        : Origin == DataFileOrigin.Generated ? GeneratedSource
        : FileSource;

    /// <summary>One line when a file in the data set's place is not the published file (a copy edited, a generated file given its name), else null.</summary>
    public string? NotThePublishedFile(string sha256) =>
        Origin == DataFileOrigin.DataSetPlace && SourceFor(sha256) != UciSource
            ? $"'{Path}' is not the published UCI file (its SHA-256 is {sha256}); ingested as a local file"
            : null;
}

/// <summary>
/// Which file to ingest: an explicit path (Ingestor:File or --file) must exist and is never downloaded;
/// otherwise the data set in the data directory, downloaded there when absent; when the download cannot reach the
/// network and nothing is cached, the full synthetic file <c>household_power_consumption.generated.txt</c> (never under
/// the real file's name, and never after a checksum mismatch, which is a wrong file rather than no network).
/// </summary>
public static class DataFileLocator
{
    public const string GeneratedFileName = "household_power_consumption.generated.txt";

    /// <summary>The file without the generated fallback: offline without a cached file is an error.</summary>
    public static async Task<string> ResolveAsync(IngestorOptions options, Func<DatasetDownloader> downloader, CancellationToken cancellationToken = default) =>
        (await LocateAsync(options, downloader, logger: null, generatedRows: null, cancellationToken).ConfigureAwait(false)).Path;

    /// <param name="generatedRows">Rows of the file generated when offline (the full data set's by default); null: no fallback.</param>
    public static async Task<DataFile> LocateAsync(
        IngestorOptions options, Func<DatasetDownloader> downloader, ILogger? logger,
        long? generatedRows = SyntheticHouseholdFile.FullRowCount, CancellationToken cancellationToken = default)
    {
        if (!string.IsNullOrWhiteSpace(options.File))
        {
            if (DataFileCheck.WhyNotAFile(options.File) is { } problem)
            {
                throw new FileNotFoundException($"The file to ingest (Ingestor:File or --file): {problem}.", options.File);
            }

            DataFileCheck.CheckContent(options.File);
            return new DataFile(options.File, DataFileOrigin.Given);
        }

        var inDataDirectory = Path.Combine(options.DataDirectory, HouseholdPowerFormat.FileName);
        if (File.Exists(inDataDirectory))
        {
            return new DataFile(inDataDirectory, DataFileOrigin.DataSetPlace);
        }

        try
        {
            var downloaded = await downloader().DownloadAsync(options.DataDirectory, options.DownloadUrl, options.ExpectedSha256, cancellationToken).ConfigureAwait(false);
            return new DataFile(downloaded, DataFileOrigin.DataSetPlace);
        }
        catch (DatasetDownloadException ex) when (ex.Offline && generatedRows is { } rows)
        {
            var generated = Path.Combine(options.DataDirectory, GeneratedFileName);
            logger?.LogWarning("The data set cannot be downloaded ({Reason}); ingesting the synthetic full-size file {File} instead (same format and grid, generated values)",
                ex.InnerException?.Message ?? ex.Message, generated);
            if (!File.Exists(generated))
            {
                // An existing generated file is always a complete one.
                SyntheticHouseholdFile.WriteFileAtomically(generated, rows, cancellationToken: cancellationToken);
            }

            return new DataFile(generated, DataFileOrigin.Generated);
        }
    }
}
