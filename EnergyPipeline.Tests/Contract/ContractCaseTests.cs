using EnergyPipeline.Messaging;
using EnergyPipeline.SparkJob.Aggregation;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Contract;

/// <summary>The local engine runs every case of the contract table: reader, both of its paths, and the aggregator.</summary>
public sealed class ContractCaseTests
{
    public static TheoryData<ContractCase> Cases => new(ContractCases.All);

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_validator_gives_the_cases_verdict_and_thousandths(ContractCase contractCase)
    {
        var reason = ReadingValidator.Check(contractCase.Key, contractCase.Value, out var reading);

        Assert.Equal(contractCase.Reason, reason);
        if (contractCase.Reason is null)
        {
            Assert.Equal(contractCase.Minute, reading.Timestamp);
            var thousandths = Enumerable.Range(0, EnergyReadingThousandths.Measures)
                .Select(i => reading.Has(i) ? reading.Thousandths[i] : (long?)null);
            Assert.Equal(contractCase.Thousandths!, thousandths);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_rules_one_by_one_give_the_same_verdict_as_the_fast_path(ContractCase contractCase)
    {
        if (contractCase.Key is null || contractCase.Value is null || contractCase.Value.Length > ReadingValidity.MaxValueBytes)
        {
            return; // decided before either path
        }

        var general = ReadingValidator.CheckGeneral(contractCase.Key, contractCase.Value, checkKey: true, out var reading);

        Assert.Equal(contractCase.Reason, general);
        if (general is null)
        {
            ReadingValidator.Check(contractCase.Key, contractCase.Value, out var fast);
            Assert.Equal(fast.Timestamp, reading.Timestamp);
            Assert.Equal(fast.MissingMask, reading.MissingMask);
            Assert.Equal(Enumerable.Range(0, 7).Select(i => fast.Thousandths[i]), Enumerable.Range(0, 7).Select(i => reading.Thousandths[i]));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_aggregator_counts_each_case_under_its_reason_or_aggregates_it(ContractCase contractCase)
    {
        var aggregator = new QuarterlyAggregator();

        Assert.Equal(contractCase.Reason, aggregator.Add(3, 42, contractCase.Key, contractCase.Value));
        var result = aggregator.Complete();

        if (contractCase.Reason is null)
        {
            Assert.Equal((0L, 1L), (result.Invalid, result.ReadingsKept));
            Assert.Empty(result.InvalidByReason);
            var quarter = Assert.Single(result.Quarters);
            Assert.Equal(contractCase.Minute, quarter.FirstReadingAt);
        }
        else
        {
            Assert.Equal((1L, 0L), (result.Invalid, result.ReadingsKept));
            Assert.Empty(result.Quarters);
            var byReason = Assert.Single(result.InvalidByReason);
            Assert.Equal((contractCase.Reason, 1L), (byReason.Reason, byReason.Messages));
            Assert.Equal(new InvalidMessage(3, 42, contractCase.Reason), Assert.Single(byReason.Samples));
        }
    }

    [Fact]
    public void Every_rule_has_a_case_and_every_case_a_rule()
    {
        var reasons = ReadingValidity.Rules.Select(r => r.Reason).ToList();

        Assert.All(reasons, reason => Assert.Contains(ContractCases.All, c => c.Reason == reason));
        Assert.All(ContractCases.All.Where(c => c.Reason is not null), c => Assert.Contains(c.Reason, reasons));
        Assert.Equal(reasons.Count, reasons.Distinct().Count());
        Assert.Equal(ContractCases.All.Count, ContractCases.All.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void Reasons_are_fixed_words_without_values()
    {
        Assert.All(ReadingValidity.Rules, rule => Assert.Matches("^[a-z][a-z0-9_]*$", rule.Reason));
    }

    [Fact]
    public void The_writers_output_of_the_synthetic_data_set_is_valid_and_reads_back_exactly()
    {
        foreach (var reading in SyntheticReadings.Generate(50_000))
        {
            var value = EnergyReadingJson.Serialize(reading);

            Assert.Null(ReadingValidator.Check(Job.JobTestData.Key(reading.Timestamp), value, out var read));
            Assert.True(EnergyReadingJson.TryParse(value, out var back, out _));
            Assert.Equal(reading, back);
            Assert.Equal(reading.Timestamp, read.Timestamp);
        }
    }
}
