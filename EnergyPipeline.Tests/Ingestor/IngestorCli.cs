using System.Text.Json;
using EnergyPipeline.Ingestor.CommandLine;

namespace EnergyPipeline.Tests.Ingestor;

/// <summary>The ingestor's command line run in-process, with what it writes to standard output and error.</summary>
internal static class IngestorCli
{
    public static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = await IngestorCommandLine.RunAsync(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    /// <summary>The summary: the last line of standard output, as JSON.</summary>
    public static JsonElement LastLineJson(string output) => JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement;
}
