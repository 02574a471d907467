namespace EnergyPipeline.Ingestor.Generation;

/// <summary>
/// Plausible minute readings of one household: a base load, a water heater that switches on for stretches,
/// kitchen and laundry bursts, more activity mornings and evenings, voltage sagging under load, and
/// intensity consistent with power and voltage (in 0.2 A steps, as in the real file). Values in thousandths.
/// </summary>
internal struct HouseholdLoadModel(ulong seed)
{
    private DeterministicRandom _random = new(seed);
    private int _kitchenMinutesLeft;
    private int _kitchenWh;
    private int _laundryMinutesLeft;
    private int _laundryWh;
    private bool _heaterOn;

    public const int MinActivePower = 76;
    public const int MaxActivePower = 11_122;

    public void Next(DateTime minute, Span<int> thousandths)
    {
        var hour = minute.Hour;
        var activity = hour switch
        {
            < 6 => 0.05,
            < 9 => 0.5,
            < 18 => 0.25,
            < 23 => 0.6,
            _ => 0.15,
        };

        if (_kitchenMinutesLeft == 0 && _random.NextDouble() < activity * 0.02)
        {
            _kitchenMinutesLeft = (int)_random.Next(2, 45);
            _kitchenWh = (int)_random.Next(1, 80);
        }

        if (_laundryMinutesLeft == 0 && _random.NextDouble() < activity * 0.006)
        {
            _laundryMinutesLeft = (int)_random.Next(20, 120);
            _laundryWh = (int)_random.Next(20, 75);
        }

        _heaterOn = _heaterOn ? _random.NextDouble() < 0.96 : _random.NextDouble() < activity * 0.04;

        var kitchen = _kitchenMinutesLeft > 0 ? Math.Max(0, _kitchenWh + (int)Math.Round(_random.NextNormal() * 2)) : 0;
        var laundry = _laundryMinutesLeft > 0
            ? Math.Max(0, _laundryWh + (int)Math.Round(_random.NextNormal() * 3))
            : (_random.NextDouble() < 0.3 ? (int)_random.Next(1, 2) : 0);
        var heater = _heaterOn ? (int)_random.Next(17, 19) : (_random.NextDouble() < 0.2 ? 1 : 0);
        _kitchenMinutesLeft = Math.Max(0, _kitchenMinutesLeft - 1);
        _laundryMinutesLeft = Math.Max(0, _laundryMinutesLeft - 1);

        // Sub-meters count Wh per minute: x Wh in a minute is x * 60 / 1000 kW on average.
        var metered = (kitchen + laundry + heater) * 60;
        var unmetered = 200 + (int)(activity * 1_200 * _random.NextDouble()) + (int)(_random.NextNormal() * 40);
        var active = Math.Clamp(metered + Math.Max(0, unmetered), MinActivePower, MaxActivePower) & ~1;

        var reactive = _random.NextDouble() < 0.2 ? 0 : Math.Clamp(100 + (int)(_random.NextNormal() * 60) + (active / 40), 0, 1_390) & ~1;

        var daily = Math.Sin((minute.Hour * 60 + minute.Minute) * (2 * Math.PI / 1_440));
        var volts = 240.5 + (2.5 * daily) + (_random.NextNormal() * 1.5) - (active * 0.0006);
        var voltage = Math.Clamp((int)Math.Round(volts * 100) * 10, 223_200, 254_150);

        var amperes = Math.Sqrt(((double)active * active) + ((double)reactive * reactive)) / (voltage / 1000.0);
        var intensity = Math.Max(200, (int)Math.Round(amperes * 1000 / 200) * 200);

        thousandths[0] = active;
        thousandths[1] = reactive;
        thousandths[2] = voltage;
        thousandths[3] = intensity;
        thousandths[4] = kitchen * 1000;
        thousandths[5] = laundry * 1000;
        thousandths[6] = heater * 1000;
    }
}
