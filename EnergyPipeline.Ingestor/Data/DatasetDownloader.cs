using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using EnergyPipeline.Ingestor.Parsing;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Ingestor.Data;

/// <summary>The data set could not be fetched or is not the expected file.</summary>
public sealed class DatasetDownloadException(string message, Exception? inner = null, bool offline = false) : Exception(message, inner)
{
    /// <summary>The source could not be reached at all (no network, no name resolution, timeout), as opposed to a bad answer.</summary>
    public bool Offline { get; } = offline;
}

/// <summary>
/// Downloads the UCI zip, extracts household_power_consumption.txt next to it and checks its SHA-256 before
/// the file takes its final name, so a half-written or wrong file is never mistaken for the data set.
/// </summary>
public sealed class DatasetDownloader(HttpClient http, ILogger logger)
{
    private const long ProgressStepBytes = 5 * 1024 * 1024;

    public async Task<string> DownloadAsync(string dataDirectory, string url, string expectedSha256, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(dataDirectory);
        var target = Path.Combine(dataDirectory, HouseholdPowerFormat.FileName);
        var zipPath = Path.Combine(dataDirectory, "household_power_consumption.zip.part");
        var extractPath = target + ".part";
        try
        {
            await FetchAsync(url, zipPath, cancellationToken);
            var actual = await ExtractAsync(zipPath, extractPath, cancellationToken);
            if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new DatasetDownloadException(
                    $"The downloaded {HouseholdPowerFormat.FileName} has SHA-256 {actual}, expected {expectedSha256}: not keeping it.");
            }

            File.Move(extractPath, target, overwrite: true);
            logger.LogInformation("Data set ready at {Path} (SHA-256 verified)", target);
            return target;
        }
        finally
        {
            File.Delete(zipPath);
            File.Delete(extractPath);
        }
    }

    private async Task FetchAsync(string url, string zipPath, CancellationToken cancellationToken)
    {
        logger.LogInformation("Downloading the data set from {Url}", url);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DatasetDownloadException($"Downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            var length = response.Content.Headers.ContentLength;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = new FileStream(zipPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            long total = 0, nextLog = ProgressStepBytes;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
                if (total >= nextLog)
                {
                    nextLog += ProgressStepBytes;
                    if (length is > 0)
                    {
                        logger.LogInformation("Downloaded {Bytes:N0} of {Length:N0} bytes ({Percent:F0} %)", total, length, 100.0 * total / length.Value);
                    }
                    else
                    {
                        logger.LogInformation("Downloaded {Bytes:N0} bytes (size not announced)", total);
                    }
                }
            }

            logger.LogInformation("Downloaded {Bytes:N0} bytes in {Seconds:F1} s", total, clock.Elapsed.TotalSeconds);
        }
        catch (HttpRequestException ex)
        {
            throw new DatasetDownloadException(
                $"Could not download the data set from {url} ({ex.Message}). Is this machine offline? " +
                $"Put {HouseholdPowerFormat.FileName} into the data directory, or give a file with --file / Ingestor:File.", ex, offline: true);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DatasetDownloadException($"Downloading {url} timed out.", ex, offline: true);
        }
    }

    private async Task<string> ExtractAsync(string zipPath, string extractPath, CancellationToken cancellationToken)
    {
        try
        {
            await using var archive = await ZipFile.OpenReadAsync(zipPath, cancellationToken);
            var entry = archive.Entries.FirstOrDefault(e => e.Name == HouseholdPowerFormat.FileName)
                ?? throw new DatasetDownloadException($"The downloaded zip has no {HouseholdPowerFormat.FileName}.");
            logger.LogInformation("Extracting {Entry} ({Bytes:N0} bytes)", entry.FullName, entry.Length);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var source = await entry.OpenAsync(cancellationToken);
            await using var output = new FileStream(extractPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (InvalidDataException ex)
        {
            throw new DatasetDownloadException($"The downloaded file is not a valid zip archive: {ex.Message}", ex);
        }
    }
}
