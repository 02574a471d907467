using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// The AppHost's secrets: secret parameters generated when nobody set them and kept in the AppHost's user secrets
/// (<c>Parameters:NAME</c>), so a kept database, Grafana's data and signed completion records stay valid from one run
/// to the next. In a manifest they appear as parameters, never as values.
/// </summary>
public static class GeneratedSecret
{
    /// <summary>Letters and digits only: the value goes into connection strings, URIs and password files unescaped by some readers.</summary>
    public static IResourceBuilder<ParameterResource> Add(IDistributedApplicationBuilder builder, string name, int minLength = 24) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = minLength, Special = false }, secret: true, persist: true);
}
