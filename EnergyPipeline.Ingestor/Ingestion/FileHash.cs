using System.Buffers;
using System.Security.Cryptography;

namespace EnergyPipeline.Ingestor.Ingestion;

public static class FileHash
{
    /// <summary>Lower-case hex SHA-256 of a stream, read through a pooled buffer.</summary>
    public static string Sha256Hex(Stream stream, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string Sha256Hex(string path, CancellationToken cancellationToken = default)
    {
        using var stream = Parsing.HouseholdFileReader.OpenSequential(path);
        return Sha256Hex(stream, cancellationToken);
    }
}
