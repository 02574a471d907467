using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
using var host = builder.Build();

// The job's engines are built by their own issues; until then the service says so instead of pretending.
await Console.Error.WriteLineAsync("The job is not implemented yet.");
return 2;
