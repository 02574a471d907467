using EnergyPipeline.Messaging;
using EnergyPipeline.Ingestor.Parsing;
using static EnergyPipeline.Tests.Ingestor.ParsingHelpers;

namespace EnergyPipeline.Tests.Ingestor;

public sealed class HouseholdFileReaderTests
{
    // Lines in the real file's format: unpadded d/M/yyyy, the missing row with its empty last field.
    private const string RealFormatFixture =
        Header + "\n" +
        "16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\n" +
        "21/12/2006;11:23:00;?;?;?;?;?;?;\n" +
        "1/2/2007;00:00:00;2.580;0.136;241.970;10.600;0.000;0.000;0.000\n" +
        "01/02/2007;00:01:00;2.552;0.100;241.750;10.400;0.000;0.000;0.000\n" +
        "9/11/2010;23:59:00;0.076;0.000;254.150;0.200;0.000;0.000;0.000\n";

    [Fact]
    public void Real_format_lines_become_exact_readings()
    {
        var (summary, sink) = Parse(RealFormatFixture);

        Assert.Equal(5, summary.DataLines);
        Assert.Equal(5, summary.Readings);
        Assert.Equal(1, summary.MissingValueRows);
        Assert.Equal(0, summary.Malformed);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(RealFormatFixture), summary.Bytes);

        var first = sink.Readings[0].Reading.ToEnergyReading();
        Assert.Equal(new DateTime(2006, 12, 16, 17, 24, 0), first.Timestamp);
        Assert.Equal([4.216m, 0.418m, 234.84m, 18.4m, 0m, 1m, 17m],
            new[] { first.GlobalActivePower, first.GlobalReactivePower, first.Voltage, first.GlobalIntensity, first.SubMetering1, first.SubMetering2, first.SubMetering3 });

        var missing = sink.Readings[1].Reading.ToEnergyReading();
        Assert.Equal(new DateTime(2006, 12, 21, 11, 23, 0), missing.Timestamp);
        Assert.True(new[] { missing.GlobalActivePower, missing.GlobalReactivePower, missing.Voltage, missing.GlobalIntensity, missing.SubMetering1, missing.SubMetering2, missing.SubMetering3 }
            .All(v => v is null));
        Assert.False(missing.IsComplete);

        // 1/2/2007 is the first of February, padded or not.
        Assert.Equal(new DateTime(2007, 2, 1, 0, 0, 0), sink.Readings[2].Reading.Timestamp);
        Assert.Equal(new DateTime(2007, 2, 1, 0, 1, 0), sink.Readings[3].Reading.Timestamp);
        Assert.Equal(new DateTime(2010, 11, 9, 23, 59, 0), sink.Readings[4].Reading.Timestamp);
        Assert.Equal(0.076m, sink.Readings[4].Reading.Value(0));
        Assert.Equal([2L, 3L, 4L, 5L, 6L], sink.Readings.Select(r => r.Line));

        // 4.216 + 2.580 + 2.552 + 0.076, the missing row adding nothing.
        Assert.Equal(9.424m, summary.GlobalActivePowerSum);
    }

    [Fact]
    public void Crlf_and_bom_are_accepted()
    {
        var (lf, _) = Parse(RealFormatFixture);
        var (crlf, sink) = Parse(RealFormatFixture.Replace("\n", "\r\n", StringComparison.Ordinal), bom: true);

        Assert.Equal(lf.Readings, crlf.Readings);
        Assert.Equal(0, crlf.Malformed);
        Assert.Equal(17m, sink.Readings[0].Reading.Value(6));
        Assert.True(sink.Readings[1].Reading.IsMissing(6));
    }

    [Theory]
    [InlineData("16/12/2006;17:26:00;5.374;0.498;233.290;23.000;0.000;2.000", MalformedReason.WrongFieldCount, "found 8")]
    [InlineData("16/12/2006;17:26:00;5.374;0.498;233.290;23.000;0.000;2.000;17.000;1.000", MalformedReason.WrongFieldCount, "found 10")]
    [InlineData("", MalformedReason.WrongFieldCount, "empty line")]
    [InlineData("32/12/2006;17:27:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadDate, "32/12/2006")]
    [InlineData("29/2/2007;17:27:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadDate, "29/2/2007")]
    [InlineData("12-16-2006;17:27:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadDate, "12-16-2006")]
    [InlineData("16/13/2006;17:27:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadDate, "16/13/2006")]
    [InlineData("16/12/06;17:27:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadDate, "16/12/06")]
    [InlineData("16/12/2006;24:00:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadTime, "24:00:00")]
    [InlineData("16/12/2006;7:27:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadTime, "7:27:00")]
    [InlineData("16/12/2006;17:60:00;5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadTime, "17:60:00")]
    [InlineData("16/12/2006;17:28:00;5,388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadNumber, "Global_active_power '5,388'")]
    [InlineData("16/12/2006;17:28:00;5.388;0.502;abc;23.000;0.000;1.000;17.000", MalformedReason.BadNumber, "Voltage 'abc'")]
    [InlineData("16/12/2006;17:28:00;5.388;0.502;233.740;23.000;0.000;1.000;17.0001", MalformedReason.BadNumber, "Sub_metering_3 '17.0001'")]
    [InlineData("16/12/2006;17:28:00;5.388;0.502;233.740;23.;0.000;1.000;17.000", MalformedReason.BadNumber, "Global_intensity '23.'")]
    [InlineData("16/12/2006;17:28:00;NaN;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.BadNumber, "'NaN'")]
    [InlineData("16/12/2006;17:28:00;5.388;-0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.ImpossibleValue, "Global_reactive_power is negative")]
    [InlineData("16/12/2006;17:28:00;-5.388;0.502;233.740;23.000;0.000;1.000;17.000", MalformedReason.ImpossibleValue, "Global_active_power is negative")]
    public void Each_malformed_kind_is_reported_with_its_line_number_and_reason(string badLine, string reason, string detailPart)
    {
        var text = Header + "\n" +
            "16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\n" +
            badLine + "\n" +
            "16/12/2006;17:29:00;3.666;0.528;235.680;15.800;0.000;1.000;17.000\n";

        var (summary, sink) = Parse(text);

        Assert.Equal(3, summary.DataLines);
        Assert.Equal(2, summary.Readings);
        Assert.Equal(1, summary.Malformed);
        var malformed = Assert.Single(summary.MalformedSample);
        Assert.Equal(3, malformed.LineNumber);
        Assert.Equal(reason, malformed.Reason);
        Assert.Contains(detailPart, malformed.Detail, StringComparison.Ordinal);
        Assert.Equal(badLine, malformed.Text);
        Assert.Equal([2L, 4L], sink.Readings.Select(r => r.Line));
        Assert.Equal(7.882m, summary.GlobalActivePowerSum);
    }

    [Fact]
    public void A_complete_last_line_without_terminator_is_a_reading_and_a_truncated_one_is_malformed()
    {
        var complete = Parse(Header + "\n16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000").Summary;
        Assert.Equal((1L, 1L, 0L), (complete.DataLines, complete.Readings, complete.Malformed));

        var (truncated, _) = Parse(Header + "\r\n16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\r\n16/12/2006;17:25:00;5.3");
        Assert.Equal((2L, 1L, 1L), (truncated.DataLines, truncated.Readings, truncated.Malformed));
        var malformed = Assert.Single(truncated.MalformedSample);
        Assert.Equal(3, malformed.LineNumber);
        Assert.Equal(MalformedReason.TruncatedLastLine, malformed.Reason);
    }

    [Theory]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000", true)]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\r", true)]
    [InlineData("21/12/2006;11:23:00;?;?;?;?;?;?;", true)]
    [InlineData("21/12/2006;11:23:00;?;?;?;?;?;?;?", true)]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;1", false)]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.00", false)]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;", false)]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;?;", false)]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.84;18.400;0.000;1.000;17.000", false)]
    [InlineData("16/12/2006;17:24:0", false)]
    [InlineData("16/12/200", false)]
    public void An_unterminated_last_line_is_a_reading_only_when_written_as_the_data_set_writes_its_lines(string last, bool reading)
    {
        var (summary, sink) = Parse(Header + "\n16/12/2006;17:23:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\n" + last);

        Assert.Equal((2L, reading ? 2L : 1L), (summary.DataLines, summary.Readings));
        Assert.Equal(reading ? 1 : 0, sink.Readings.Count - 1);
        if (!reading)
        {
            var malformed = Assert.Single(summary.MalformedSample);
            Assert.Equal((3L, MalformedReason.TruncatedLastLine), (malformed.LineNumber, malformed.Reason));
            Assert.Equal(1, summary.MalformedByReason[MalformedReason.TruncatedLastLine]);
        }
    }

    [Theory]
    [InlineData("1/1/0001;00:00:00", ReadingValidity.Reasons.TimestampOutOfRange)]
    [InlineData("1/1/1583;00:00:00", ReadingValidity.Reasons.TimestampOutOfRange)]
    [InlineData("31/12/1969;23:59:00", ReadingValidity.Reasons.TimestampOutOfRange)]
    [InlineData("1/1/2100;00:00:00", ReadingValidity.Reasons.TimestampOutOfRange)]
    [InlineData("16/12/2006;17:24:30", ReadingValidity.Reasons.TimestampNotWholeMinute)]
    [InlineData("1/1/1970;00:00:00", null)]
    [InlineData("31/12/2099;23:59:00", null)]
    public void A_line_whose_reading_breaks_a_contract_rule_is_malformed_with_that_rules_reason(string dateAndTime, string? reason)
    {
        var (summary, sink) = Parse(Header + "\n" + dateAndTime + ";4.216;0.418;234.840;18.400;0.000;1.000;17.000\n");

        Assert.Equal(reason is null ? Array.Empty<string>() : [reason], summary.MalformedSample.Select(m => m.Reason));
        Assert.Equal(reason is null ? 1 : 0, sink.Readings.Count);
    }

    [Fact]
    public void A_measure_beyond_the_contracts_bounds_is_malformed_as_measure_out_of_range()
    {
        var (summary, sink) = Parse(Header + "\n16/12/2006;17:24:00;4.216;0.418;100.000;18.400;0.000;1.000;17.000\n");

        Assert.Equal(ReadingValidity.Reasons.MeasureOutOfRange, Assert.Single(summary.MalformedSample).Reason);
        Assert.Empty(sink.Readings);
    }

    [Fact]
    public void Lines_straddling_buffer_boundaries_are_read_whole()
    {
        var lines = Enumerable.Range(0, 500)
            .Select(i => new DateTime(2007, 1, 1).AddMinutes(i))
            .Select(t => $"{t.Day}/{t.Month}/{t.Year};{t:HH:mm:ss};1.234;0.100;240.000;5.000;0.000;1.000;17.000");
        var text = Header + "\n" + string.Join("\n", lines) + "\n";

        var (summary, sink) = Parse(text, bufferSize: 4096);

        Assert.Equal(500, summary.Readings);
        Assert.Equal(0, summary.Malformed);
        Assert.Equal(new DateTime(2007, 1, 1).AddMinutes(499), sink.Readings[^1].Reading.Timestamp);
        Assert.Equal(500 * 1234L, summary.GlobalActivePowerThousandthsSum);
    }

    [Fact]
    public void Empty_file_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<HouseholdFormatException>(() => Parse(string.Empty));
        Assert.Contains("empty", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Header_only_file_has_no_rows()
    {
        var (summary, sink) = Parse(Header + "\r\n");
        Assert.Equal((0L, 0L, 0L), (summary.DataLines, summary.Readings, summary.Malformed));
        Assert.Empty(sink.Readings);
    }

    [Theory]
    [InlineData("Date,Time,Global_active_power")]
    [InlineData("16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000")]
    [InlineData("date;time;global_active_power;global_reactive_power;voltage;global_intensity;sub_metering_1;sub_metering_2;sub_metering_3")]
    public void Wrong_header_is_refused_with_the_expected_header_in_the_message(string firstLine)
    {
        var error = Assert.Throws<HouseholdFormatException>(() =>
            Parse(firstLine + "\n16/12/2006;17:24:00;4.216;0.418;234.840;18.400;0.000;1.000;17.000\n"));
        Assert.Contains(Header, error.Message, StringComparison.Ordinal);
        Assert.Contains(firstLine[..10], error.Message, StringComparison.Ordinal);
    }
}

public sealed class ParallelValidationTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Split_validation_gives_the_same_figures_and_line_numbers_as_one_pass(int parallelism)
    {
        using var generated = new MemoryStream();
        EnergyPipeline.Ingestor.Generation.SyntheticHouseholdFile.Write(generated, 20_000, seed: 8);
        var lines = System.Text.Encoding.UTF8.GetString(generated.ToArray()).Split('\n').ToList();
        foreach (var at in new[] { 2, 5_003, 9_999, 10_000, 14_321, 19_998 })
        {
            lines[at] = lines[at].Replace(';', ',');
        }

        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, string.Join("\r\n", lines[..^1]));
            var single = HouseholdFileReader.ReadFile(path, NullReadingSink.Instance, 100, TestContext.Current.CancellationToken);
            var split = HouseholdFileReader.ValidateFile(path, parallelism, minimumBytesToSplit: 0, 100, TestContext.Current.CancellationToken);

            Assert.Equal(20_000, split.DataLines);
            Assert.Equal(6, split.Malformed);
            Assert.Equal([3L, 5_004, 10_000, 10_001, 14_322, 19_999], split.MalformedSample.Select(m => m.LineNumber));
            Assert.Equal(single.MalformedSample, split.MalformedSample);
            Assert.Equal(
                (single.DataLines, single.Readings, single.MissingValueRows, single.Malformed, single.Bytes, single.GlobalActivePowerThousandthsSum, single.FirstTimestamp, single.LastTimestamp),
                (split.DataLines, split.Readings, split.MissingValueRows, split.Malformed, split.Bytes, split.GlobalActivePowerThousandthsSum, split.FirstTimestamp, split.LastTimestamp));
            Assert.Equal(new FileInfo(path).Length, split.Bytes);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
