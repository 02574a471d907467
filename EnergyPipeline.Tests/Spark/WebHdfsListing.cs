using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// Lists an HDFS directory tree through the namenode's WebHDFS REST API (<c>op=LISTSTATUS</c>), which the namenode
/// answers itself: no datanode is contacted, so a host process can check what Spark wrote inside the network.
/// </summary>
internal sealed class WebHdfsListing(HttpClient http)
{
    /// <summary>Every file below <paramref name="directory"/>, as paths relative to it ("year=2007/quarter=1/part-....parquet").</summary>
    public async Task<IReadOnlyList<(string Path, long Length)>> FilesAsync(string directory, CancellationToken cancellationToken)
    {
        var files = new List<(string, long)>();
        await WalkAsync(directory.TrimEnd('/'), "", files, cancellationToken);
        return files;
    }

    private async Task WalkAsync(string root, string relative, List<(string, long)> files, CancellationToken cancellationToken)
    {
        var path = relative.Length == 0 ? root : $"{root}/{relative}";
        var listing = await http.GetFromJsonAsync<ListStatusResponse>($"webhdfs/v1{path}?op=LISTSTATUS", cancellationToken)
            ?? throw new InvalidOperationException($"WebHDFS answered nothing for {path}");
        foreach (var status in listing.FileStatuses.FileStatus)
        {
            var child = relative.Length == 0 ? status.PathSuffix : $"{relative}/{status.PathSuffix}";
            if (status.Type == "DIRECTORY")
            {
                await WalkAsync(root, child, files, cancellationToken);
            }
            else
            {
                files.Add((child, status.Length));
            }
        }
    }

    private sealed record ListStatusResponse([property: JsonPropertyName("FileStatuses")] FileStatuses FileStatuses);

    private sealed record FileStatuses([property: JsonPropertyName("FileStatus")] IReadOnlyList<FileStatus> FileStatus);

    private sealed record FileStatus(
        [property: JsonPropertyName("pathSuffix")] string PathSuffix,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("length")] long Length);
}
