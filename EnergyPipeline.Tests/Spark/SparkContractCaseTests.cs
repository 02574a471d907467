using EnergyPipeline.SparkJob.Spark;
using EnergyPipeline.Tests.Contract;

namespace EnergyPipeline.Tests.Spark;

/// <summary>
/// Every case of the contract table through the Spark plan's own text: which WHEN of the checked view's CASE rejects
/// it (the same reason the local engine gives), and, for a valid case, the measures the readings view casts.
/// </summary>
public sealed class SparkContractCaseTests
{
    public static TheoryData<ContractCase> Cases => new(ContractCases.All);

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_checked_view_gives_the_cases_reason(ContractCase contractCase)
    {
        Assert.Equal(contractCase.Reason, SparkCheckedView.InvalidReason(SparkPlan.CreateCheckedView.Text, contractCase.Key, contractCase.Value));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_readings_view_reads_a_valid_cases_measures_exactly(ContractCase contractCase)
    {
        if (contractCase.Reason is not null)
        {
            return;
        }

        var measures = SparkCheckedView.Measures(SparkPlan.CreateCheckedView.Text, SparkPlan.CreateReadingsView.Text, SparkPlan.MeasureFields,
            contractCase.Key!, contractCase.Value!);

        Assert.Equal(contractCase.Thousandths!.Select(t => t / 1000m), measures);
    }
}
