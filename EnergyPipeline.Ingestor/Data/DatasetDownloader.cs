using System.IO.Compression;
using System.Security.Cryptography;
using EnergyPipeline.Ingestor.Parsing;
using EnergyPipeline.Progress;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Ingestor.Data;

/// <summary>The data set could not be fetched or is not the expected file.</summary>
public sealed class DatasetDownloadException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Worth another attempt (a broken connection, a 5xx, a timeout), unlike a 404, a wrong file or a name that does not resolve.</summary>
    public bool Transient { get; init; }

    /// <summary>The source could not be reached at all (no network, no name resolution, timeout), as opposed to a bad answer.</summary>
    public bool Offline { get; init; }
}

/// <summary>How hard the download tries: attempts, each restarting the file, and the bound of one attempt.</summary>
public sealed record DatasetDownloadPolicy(int Attempts, TimeSpan AttemptTimeout, TimeSpan RetryDelay)
{
    /// <summary>
    /// The zip is about 20 MB: ten minutes per attempt still passes at 35 kB/s, and three attempts ride out a
    /// dropped connection or a server hiccup without hiding an outage for long.
    /// </summary>
    public static DatasetDownloadPolicy Default { get; } = new(3, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5));
}

/// <summary>
/// Downloads the UCI zip, extracts household_power_consumption.txt next to it and checks its SHA-256 before
/// the file takes its final name, so a half-written or wrong file is never mistaken for the data set.
/// A failed attempt (connection lost mid-body, a 5xx, a timeout) restarts the file from its first byte: a
/// handler-level retry would only re-send the request, never re-read a body cut halfway.
/// </summary>
public sealed class DatasetDownloader(HttpClient http, ILogger logger, DatasetDownloadPolicy? policy = null)
{
    /// <summary>The named HttpClient the ingestor registers for the download (<see cref="AddDatasetHttpClient"/>).</summary>
    public const string HttpClientName = "dataset";

    private readonly DatasetDownloadPolicy _policy = policy ?? DatasetDownloadPolicy.Default;

    /// <summary>
    /// The download's client: a connect timeout and a bound on the wait for response headers; the body is bounded
    /// per attempt by the policy. Deliberately no standard resilience handler: its 30 s total timeout would cut the
    /// download and its retries cannot restart a body. Without HttpClient's own request logging: it writes each failed
    /// attempt twice with a stack trace (about 150 lines when offline), while the downloader says in one line why the
    /// download failed.
    /// </summary>
    public static IHttpClientBuilder AddDatasetHttpClient(IServiceCollection services) =>
        services.AddHttpClient(HttpClientName, client => client.Timeout = TimeSpan.FromMinutes(2))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) })
            .RemoveAllLoggers();

    public async Task<string> DownloadAsync(string dataDirectory, string url, string expectedSha256, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(dataDirectory);
        var target = Path.Combine(dataDirectory, HouseholdPowerFormat.FileName);
        var zipPath = Path.Combine(dataDirectory, "household_power_consumption.zip.part");
        var extractPath = target + ".part";
        try
        {
            await FetchWithRetriesAsync(url, zipPath, cancellationToken);
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

    private async Task FetchWithRetriesAsync(string url, string zipPath, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(_policy.AttemptTimeout);
            try
            {
                await FetchAsync(url, zipPath, attemptTimeout.Token);
                return;
            }
            catch (DatasetDownloadException) when (cancellationToken.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw;
            }
            catch (DatasetDownloadException ex) when (ex.Transient && attempt < _policy.Attempts && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Download attempt {Attempt} of {Attempts} failed ({Reason}); starting the file again", attempt, _policy.Attempts, ex.Message);
                await Task.Delay(_policy.RetryDelay, cancellationToken);
            }
        }
    }

    private async Task FetchAsync(string url, string zipPath, CancellationToken cancellationToken)
    {
        logger.LogInformation("Downloading the data set from {Url}", url);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                throw new DatasetDownloadException($"Downloading {url} failed: HTTP {status} {response.ReasonPhrase}.")
                {
                    Transient = status >= 500 || status is 408 or 429,
                };
            }

            var length = response.Content.Headers.ContentLength;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = new FileStream(zipPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            long total = 0;
            using var progress = ProgressReporter.Start("Downloading the data set", "bytes", length is > 0 ? length : null, () => Interlocked.Read(ref total), logger);
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                Interlocked.Add(ref total, read);
            }

            progress.Complete();
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            // No name, no network to try again on: the cached or generated file is used at once, not after two more attempts.
            throw new DatasetDownloadException(
                $"Could not download the data set from {url}: the name {new Uri(url).Host} does not resolve ({ex.Message}). Is this machine offline? " +
                $"Put {HouseholdPowerFormat.FileName} into the data directory, or give a file with --file / Ingestor:File.", ex)
            { Offline = true };
        }
        catch (HttpRequestException ex)
        {
            throw new DatasetDownloadException(
                $"Could not download the data set from {url} ({ex.Message}). Is this machine offline? " +
                $"Put {HouseholdPowerFormat.FileName} into the data directory, or give a file with --file / Ingestor:File.", ex)
            { Transient = true, Offline = true };
        }
        catch (IOException ex)
        {
            throw new DatasetDownloadException($"The connection to {url} broke during the download: {ex.Message}", ex) { Transient = true };
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The attempt's own bound, or the caller; the retry loop tells them apart.
            throw new DatasetDownloadException($"Downloading {url} timed out.", ex) { Transient = true, Offline = true };
        }
        catch (TaskCanceledException ex)
        {
            throw new DatasetDownloadException($"Downloading {url} timed out waiting for the server.", ex) { Transient = true, Offline = true };
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
