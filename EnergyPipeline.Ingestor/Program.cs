using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
using var host = builder.Build();

// The ingestion itself is built by the ingestor issue; until then the service says so instead of pretending.
await Console.Error.WriteLineAsync("The ingestor is not implemented yet.");
return 2;
