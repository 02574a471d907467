using System.Globalization;
using System.Text;
using EnergyPipeline.Messaging;
using EnergyPipeline.Tests.Infrastructure;

namespace EnergyPipeline.Tests.Contract;

/// <summary>The validity tables of docs/contract.md are the definition's: this test fails when they disagree.</summary>
public sealed class ContractValidityTableTests
{
    private const string Begin = "<!-- validity-rules:begin (generated from ReadingValidity; ContractValidityTableTests checks it) -->";
    private const string End = "<!-- validity-rules:end -->";

    [Fact]
    public void The_contract_states_the_rules_bounds_and_size_limit_of_the_definition()
    {
        var actual = DocumentBlock.Between("docs/contract.md", Begin, End);

        Assert.True(Expected() == actual, "docs/contract.md's validity block differs from ReadingValidity. Expected:\n" + Expected());
    }

    internal static string Expected()
    {
        var text = new StringBuilder();
        text.Append("| # | reason | the message is invalid when |\n| ---: | --- | --- |\n");
        for (var i = 0; i < ReadingValidity.Rules.Count; i++)
        {
            var rule = ReadingValidity.Rules[i];
            text.Append(CultureInfo.InvariantCulture, $"| {i + 1} | `{rule.Reason}` | {rule.Description.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        text.Append("\n| measure | minimum | maximum | unit | why |\n| --- | ---: | ---: | --- | --- |\n");
        foreach (var bounds in ReadingValidity.Measures)
        {
            text.Append(CultureInfo.InvariantCulture, $"| `{bounds.Field}` | {bounds.Minimum} | {bounds.Maximum} | {bounds.Unit} | {bounds.Why} |\n");
        }

        text.Append(CultureInfo.InvariantCulture,
            $"\nMaximum value size: {ReadingValidity.MaxValueBytes} bytes. Numbers: at most {ReadingValidity.MaxIntegerDigits} integer digits and {ReadingValidity.MaxDecimals} decimals.");
        return text.ToString();
    }
}
