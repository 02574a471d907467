using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EnergyPipeline.Ingestor.Configuration;
using EnergyPipeline.Ingestor.Data;
using EnergyPipeline.Ingestor.Generation;
using Microsoft.Extensions.Logging.Abstractions;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>The download path against a real HTTP server on 127.0.0.1 serving a zip the test builds.</summary>
public sealed class DatasetDownloaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("energy-download-").FullName;
    private readonly HttpClient _http = new();

    [Fact]
    public async Task Absent_file_is_downloaded_extracted_and_verified_into_the_data_directory()
    {
        var content = GenerateFile(2_000);
        using var server = new ZipServer(BuildZip(("household_power_consumption.txt", content), ("readme.txt", "x"u8.ToArray())), sendLength: false);
        var options = new IngestorOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            DownloadUrl = server.Url,
            ExpectedSha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
        };

        var path = await DataFileLocator.ResolveAsync(options, Downloader, TestContext.Current.CancellationToken);

        Assert.Equal(Path.Combine(options.DataDirectory, "household_power_consumption.txt"), path);
        Assert.Equal(content, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["household_power_consumption.txt"], Directory.GetFiles(options.DataDirectory).Select(Path.GetFileName));
        Assert.Equal(1, server.Requests);

        // Present now: not downloaded again.
        Assert.Equal(path, await DataFileLocator.ResolveAsync(options, Downloader, TestContext.Current.CancellationToken));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task The_download_reports_its_bytes_against_the_announced_size_when_done()
    {
        var content = GenerateFile(2_000);
        var zip = BuildZip(("household_power_consumption.txt", content));
        using var server = new ZipServer(zip, sendLength: true);
        var options = new IngestorOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            DownloadUrl = server.Url,
            ExpectedSha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
        };
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger();

        await DataFileLocator.ResolveAsync(options, () => new DatasetDownloader(_http, logger), TestContext.Current.CancellationToken);

        var size = zip.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.StartsWith(
            $"Downloading the data set done: {size} of {size} bytes (100.0 %)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_cut_halfway_or_a_server_error_restarts_the_file_from_its_first_byte()
    {
        var content = GenerateFile(3_000);
        using var server = new ZipServer(BuildZip(("household_power_consumption.txt", content)), sendLength: true, failures: [Failure.CutBody, Failure.Status503]);
        var options = new IngestorOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            DownloadUrl = server.Url,
            ExpectedSha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
        };
        var downloader = new DatasetDownloader(_http, NullLogger.Instance, new DatasetDownloadPolicy(3, TimeSpan.FromMinutes(1), TimeSpan.Zero));

        var path = await DataFileLocator.ResolveAsync(options, () => downloader, TestContext.Current.CancellationToken);

        Assert.Equal(content, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task Attempts_are_bounded_and_a_404_is_not_retried()
    {
        using var failing = new ZipServer(BuildZip(("household_power_consumption.txt", GenerateFile(10))), sendLength: true, failures: [Failure.Status503, Failure.Status503, Failure.Status503]);
        var options = new IngestorOptions { DataDirectory = Path.Combine(_directory, "data"), DownloadUrl = failing.Url };
        var downloader = new DatasetDownloader(_http, NullLogger.Instance, new DatasetDownloadPolicy(2, TimeSpan.FromMinutes(1), TimeSpan.Zero));

        var error = await Assert.ThrowsAsync<DatasetDownloadException>(() => DataFileLocator.ResolveAsync(options, () => downloader, TestContext.Current.CancellationToken));
        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, failing.Requests);

        using var missing = new ZipServer(null, sendLength: true);
        options.DownloadUrl = missing.Url;
        await Assert.ThrowsAsync<DatasetDownloadException>(() => DataFileLocator.ResolveAsync(options, () => downloader, TestContext.Current.CancellationToken));
        Assert.Equal(1, missing.Requests);
    }

    [Fact]
    public async Task A_file_with_the_wrong_hash_is_refused_and_not_kept()
    {
        using var server = new ZipServer(BuildZip(("household_power_consumption.txt", GenerateFile(500))), sendLength: true);
        var options = new IngestorOptions { DataDirectory = Path.Combine(_directory, "data"), DownloadUrl = server.Url };

        var error = await Assert.ThrowsAsync<DatasetDownloadException>(() => DataFileLocator.ResolveAsync(options, Downloader, TestContext.Current.CancellationToken));

        Assert.Contains($"expected {IngestorOptions.RealFileSha256}", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(options.DataDirectory));
    }

    [Fact]
    public async Task A_zip_without_the_data_file_or_an_http_error_is_a_clear_error()
    {
        using var wrongZip = new ZipServer(BuildZip(("other.txt", "x"u8.ToArray())), sendLength: true);
        var options = new IngestorOptions { DataDirectory = Path.Combine(_directory, "data"), DownloadUrl = wrongZip.Url };
        var error = await Assert.ThrowsAsync<DatasetDownloadException>(() => DataFileLocator.ResolveAsync(options, Downloader, TestContext.Current.CancellationToken));
        Assert.Contains("has no household_power_consumption.txt", error.Message, StringComparison.Ordinal);

        using var missing = new ZipServer(null, sendLength: true);
        options.DownloadUrl = missing.Url;
        error = await Assert.ThrowsAsync<DatasetDownloadException>(() => DataFileLocator.ResolveAsync(options, Downloader, TestContext.Current.CancellationToken));
        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_is_a_clear_error_that_says_what_to_do()
    {
        var options = new IngestorOptions { DataDirectory = Path.Combine(_directory, "data"), DownloadUrl = $"http://127.0.0.1:{FreePort()}/data.zip" };

        var error = await Assert.ThrowsAsync<DatasetDownloadException>(() => DataFileLocator.ResolveAsync(options, Downloader, TestContext.Current.CancellationToken));

        Assert.Contains("offline", error.Message, StringComparison.Ordinal);
        Assert.Contains("--file", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(options.DataDirectory));
    }

    [Fact]
    public async Task Offline_without_a_cached_file_the_ingestor_uses_a_generated_file_under_its_own_name()
    {
        var options = new IngestorOptions { DataDirectory = Path.Combine(_directory, "data"), DownloadUrl = $"http://127.0.0.1:{FreePort()}/data.zip" };

        var data = await DataFileLocator.LocateAsync(options, Downloader, NullLogger.Instance, generatedRows: 3_000, TestContext.Current.CancellationToken);

        Assert.Equal(DataFileOrigin.Generated, data.Origin);
        Assert.Equal(Path.Combine(options.DataDirectory, "household_power_consumption.generated.txt"), data.Path);
        Assert.Equal(["household_power_consumption.generated.txt"], Directory.GetFiles(options.DataDirectory).Select(Path.GetFileName));
        Assert.Equal(GenerateFile(3_000, SyntheticHouseholdFile.DefaultSeed), await File.ReadAllBytesAsync(data.Path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_tried_once_and_the_generated_file_is_used_at_once()
    {
        // .invalid never resolves (RFC 6761); the policy would wait 5 s before each of two more attempts.
        var options = new IngestorOptions { DataDirectory = Path.Combine(_directory, "data"), DownloadUrl = "http://energy-pipeline.invalid/data.zip" };
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger();
        var generated = Path.Combine(options.DataDirectory, DataFileLocator.GeneratedFileName);
        SyntheticHouseholdFile.WriteFile(generated, 100);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var data = await DataFileLocator.LocateAsync(
            options, () => new DatasetDownloader(_http, logger, new DatasetDownloadPolicy(3, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5))),
            logger, generatedRows: 3_000, TestContext.Current.CancellationToken);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.Equal((DataFileOrigin.Generated, generated), (data.Origin, data.Path));
        var log = logger.Collector.GetSnapshot();
        Assert.Single(log, r => r.Message.StartsWith("Downloading the data set from", StringComparison.Ordinal));
        Assert.DoesNotContain(log, r => r.Message.StartsWith("Download attempt", StringComparison.Ordinal));
        Assert.Contains(log, r => r.Message.StartsWith("The data set cannot be downloaded", StringComparison.Ordinal) && r.Message.Contains("energy-pipeline.invalid", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DataFileOrigin.DataSetPlace, true, "uci", false)]
    [InlineData(DataFileOrigin.DataSetPlace, false, "file", true)]
    [InlineData(DataFileOrigin.Given, true, "uci", false)]
    [InlineData(DataFileOrigin.Given, false, "file", false)]
    [InlineData(DataFileOrigin.Generated, false, "generated", false)]
    public void The_source_label_is_uci_only_for_the_published_file_s_bytes(DataFileOrigin origin, bool publishedBytes, string label, bool notice)
    {
        // The published file's SHA-256 as docs/contract.md, *The input file*, gives it; any other hash is another file.
        var sha256 = publishedBytes ? "4259c9d7ece5dbee9ab8d53682baac68d791c864f0f64a52b4043cb3b90894b7" : new string('0', 64);
        var file = new DataFile("data/household_power_consumption.txt", origin);

        Assert.Equal(label, file.SourceFor(sha256));
        Assert.Equal(notice, file.NotThePublishedFile(sha256) is not null);
    }

    [Fact]
    public async Task A_checksum_mismatch_is_not_offline_and_generates_nothing()
    {
        using var server = new ZipServer(BuildZip(("household_power_consumption.txt", GenerateFile(500))), sendLength: true);
        var options = new IngestorOptions { DataDirectory = Path.Combine(_directory, "data"), DownloadUrl = server.Url };

        await Assert.ThrowsAsync<DatasetDownloadException>(() =>
            DataFileLocator.LocateAsync(options, Downloader, NullLogger.Instance, generatedRows: 3_000, TestContext.Current.CancellationToken));

        Assert.Empty(Directory.GetFiles(options.DataDirectory));
    }

    [Fact]
    public async Task An_explicit_file_that_does_not_exist_is_an_error_and_never_downloaded()
    {
        var options = new IngestorOptions { File = Path.Combine(_directory, "nope.txt"), DownloadUrl = "http://127.0.0.1:1/never" };
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => DataFileLocator.ResolveAsync(options, Downloader, TestContext.Current.CancellationToken));
        Assert.Contains("nope.txt", error.Message, StringComparison.Ordinal);
    }

    private DatasetDownloader Downloader() => new(_http, NullLogger.Instance, new DatasetDownloadPolicy(3, TimeSpan.FromMinutes(1), TimeSpan.Zero));

    private static byte[] GenerateFile(int rows, ulong seed = 1)
    {
        using var stream = new MemoryStream();
        SyntheticHouseholdFile.Write(stream, rows, seed);
        return stream.ToArray();
    }

    private static byte[] BuildZip(params (string Name, byte[] Content)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                entry.Write(content);
            }
        }

        return stream.ToArray();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private enum Failure
    {
        CutBody,
        Status503,
    }

    /// <summary>
    /// HttpListener on 127.0.0.1 answering every request with the zip (or 404 when null), after answering the first
    /// requests with the given failures.
    /// </summary>
    private sealed class ZipServer : IDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;
        private int _requests;

        public ZipServer(byte[]? zip, bool sendLength, Failure[]? failures = null)
        {
            var pending = new Queue<Failure>(failures ?? []);
            (_listener, var port) = StartOnFreePort();
            Url = $"http://127.0.0.1:{port}/individual+household+electric+power+consumption.zip";
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    Interlocked.Increment(ref _requests);
                    if (zip is not null && pending.TryDequeue(out var failure))
                    {
                        if (failure == Failure.Status503)
                        {
                            context.Response.StatusCode = 503;
                            context.Response.Close();
                        }
                        else
                        {
                            context.Response.ContentLength64 = zip.Length;
                            await context.Response.OutputStream.WriteAsync(zip.AsMemory(0, zip.Length / 2));
                            await context.Response.OutputStream.FlushAsync();
                            context.Response.Abort();
                        }

                        continue;
                    }

                    if (zip is null)
                    {
                        context.Response.StatusCode = 404;
                    }
                    else
                    {
                        context.Response.ContentType = "application/zip";
                        context.Response.SendChunked = !sendLength;
                        if (sendLength)
                        {
                            context.Response.ContentLength64 = zip.Length;
                        }

                        await context.Response.OutputStream.WriteAsync(zip);
                    }

                    context.Response.Close();
                }
            });
        }

        /// <summary>HttpListener cannot bind port 0: another process may take the free port first, so try again.</summary>
        private static (HttpListener Listener, int Port) StartOnFreePort()
        {
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                try
                {
                    listener.Start();
                    return (listener, port);
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }
        }

        public string Url { get; }

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
