using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EnergyPipeline.Tests.Spark;

/// <summary>The WebHDFS walk the full-stack test relies on, against LISTSTATUS answers shaped like Hadoop 3's.</summary>
public sealed class WebHdfsListingTests
{
    [Fact]
    public async Task Walks_year_and_quarter_directories_down_to_the_parquet_files()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        var answers = new Dictionary<string, string>
        {
            ["/webhdfs/v1/raw/energy_readings"] = Listing(("_SUCCESS", "FILE", 0), ("year=2006", "DIRECTORY", 0), ("year=2007", "DIRECTORY", 0)),
            ["/webhdfs/v1/raw/energy_readings/year=2006"] = Listing(("quarter=4", "DIRECTORY", 0)),
            ["/webhdfs/v1/raw/energy_readings/year=2006/quarter=4"] = Listing(("part-00000-a.snappy.parquet", "FILE", 1234)),
            ["/webhdfs/v1/raw/energy_readings/year=2007"] = Listing(("quarter=1", "DIRECTORY", 0)),
            ["/webhdfs/v1/raw/energy_readings/year=2007/quarter=1"] = Listing(("part-00000-b.snappy.parquet", "FILE", 99), ("part-00001-b.snappy.parquet", "FILE", 98)),
        };
        app.Run(context =>
        {
            if (context.Request.Query["op"] != "LISTSTATUS" || !answers.TryGetValue(context.Request.Path.Value!, out var body))
            {
                context.Response.StatusCode = (int)HttpStatusCode.NotFound;
                return Task.CompletedTask;
            }

            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(body, ct);
        });
        await app.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single() + "/") };

        var files = await new WebHdfsListing(http).FilesAsync("/raw/energy_readings", ct);

        Assert.Equal(
            ["_SUCCESS", "year=2006/quarter=4/part-00000-a.snappy.parquet", "year=2007/quarter=1/part-00000-b.snappy.parquet", "year=2007/quarter=1/part-00001-b.snappy.parquet"],
            files.Select(f => f.Path));
        Assert.Equal(1234, files[1].Length);
    }

    private static string Listing(params (string Name, string Type, long Length)[] entries) =>
        "{\"FileStatuses\":{\"FileStatus\":[" + string.Join(",", entries.Select(e =>
            $"{{\"accessTime\":0,\"blockSize\":134217728,\"childrenNum\":0,\"fileId\":16386,\"group\":\"supergroup\",\"length\":{e.Length},\"modificationTime\":1700000000000,\"owner\":\"spark\",\"pathSuffix\":\"{e.Name}\",\"permission\":\"644\",\"replication\":1,\"storagePolicy\":0,\"type\":\"{e.Type}\"}}")) + "]}}";
}
