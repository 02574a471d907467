using EnergyPipeline.Messaging;

namespace EnergyPipeline.Tests.Infrastructure;

/// <summary>
/// A deterministic stream of readings on the data set's real minute grid (2,075,259 minutes from
/// 2006-12-16 17:24 to 2010-11-26 21:02), with runs of fully missing minutes and plausible 3-decimal values.
/// Input for the aggregation benchmark and tests; it computes no figure itself.
/// </summary>
public static class SyntheticReadings
{
    public static readonly DateTime FirstMinute = new(2006, 12, 16, 17, 24, 0);
    public const int FullCount = 2_075_259;

    public static IEnumerable<EnergyReading> Generate(int count = FullCount, ulong seed = 20061216, int missingRunOneIn = 2000)
    {
        var random = new XorShift(seed);
        var missingLeft = 0;
        for (var i = 0; i < count; i++)
        {
            var timestamp = FirstMinute.AddMinutes(i);
            if (missingLeft == 0 && random.Next(missingRunOneIn) == 0)
            {
                missingLeft = 1 + random.Next(50);
            }

            if (missingLeft > 0)
            {
                missingLeft--;
                yield return new EnergyReading(timestamp, null, null, null, null, null, null, null);
                continue;
            }

            yield return new EnergyReading(
                timestamp,
                GlobalActivePower: Thousandths(76 + random.Next(11_047)),
                GlobalReactivePower: Thousandths(random.Next(1_391)),
                Voltage: Thousandths(223_200 + random.Next(30_951)),
                GlobalIntensity: Thousandths(200 + random.Next(48_201)),
                SubMetering1: random.Next(8) == 0 ? random.Next(89) : 0,
                SubMetering2: random.Next(6) == 0 ? random.Next(81) : random.Next(3),
                SubMetering3: random.Next(3) == 0 ? random.Next(32) : 0);
        }
    }

    private static decimal Thousandths(int value) => new(value, 0, 0, false, 3);

    /// <summary>xorshift64*: small, fast and the same on every machine.</summary>
    public sealed class XorShift(ulong seed)
    {
        private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

        public int Next(int exclusiveMax)
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return (int)((_state * 0x2545F4914F6CDD1DUL >> 33) % (ulong)exclusiveMax);
        }
    }
}
