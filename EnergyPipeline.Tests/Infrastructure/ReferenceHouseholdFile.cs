using System.Globalization;
using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// Reads a household power file the plain way (string.Split, decimal.Parse), independently of the ingestor's
/// byte parser, so tests can compute what the pipeline should have produced from the file itself.
/// </summary>
internal static class ReferenceHouseholdFile
{
    public static IEnumerable<EnergyReading> Readings(string path)
    {
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(';');
            var measures = f[2..].Select(v => v is "?" or "" ? (decimal?)null : decimal.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            yield return new EnergyReading(
                DateTime.ParseExact($"{f[0]} {f[1]}", "d/M/yyyy HH:mm:ss", CultureInfo.InvariantCulture),
                measures[0], measures[1], measures[2], measures[3], measures[4], measures[5], measures[6]);
        }
    }
}
