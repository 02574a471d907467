using System.Security.Cryptography;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>SHA-256 in lower-case hex, computed here in one call, apart from the ingestor's hashing in its reading loop.</summary>
internal static class IndependentSha256
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
