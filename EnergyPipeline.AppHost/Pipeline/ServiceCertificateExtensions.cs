using Aspire.Hosting.ApplicationModel;

namespace EnergyPipeline.AppHost.Pipeline;

/// <summary>
/// The ingestor and the job serve no endpoint, so they need no HTTPS certificate. Aspire 13 gives every project an
/// HTTPS certificate configuration; while any resource has one that is not switched off, the AppHost looks for a
/// trusted development certificate and, without one, shows "No trusted development certificate" on every dashboard
/// page (dotnet/aspire src/Aspire.Hosting/Dcp/DcpHost.cs, EnsureDevelopmentCertificateTrustAsync and
/// ResourceUsesTls).
/// </summary>
public static class ServiceCertificateExtensions
{
    public static IResourceBuilder<ProjectResource> WithoutDevelopmentCertificate(this IResourceBuilder<ProjectResource> project)
    {
#pragma warning disable ASPIRECERTIFICATES001 // experimental in Aspire 13; the documented way to switch the certificate off
        return project.WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001
    }
}
