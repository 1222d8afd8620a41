using FluentAssertions;
using Spectre.Console;
using Xunit;

namespace OrleansTenants.Cli.Tests;

/// <summary>Tables printed to redirected output: what scripts and the other tests parse.</summary>
public sealed class CliOutputTests
{
    [Fact]
    public void A_redirected_table_is_plain_columns_one_line_per_row_however_long()
    {
        using var output = new StringWriter();
        var console = CliOutput.Create(output);
        var table = console.Table("ID", "ERROR");
        var longId = "tenant-" + new string('x', 120);
        table.Row(longId, "failed:\nsee [the log]");
        table.Row("short", null);

        console.Write(table);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3).And.NotContain(l => l.Contains('\u001b'), "no ANSI codes when not a terminal");
        lines[0].Should().MatchRegex(@"^ID +ERROR *$");
        lines[1].Should().Be($"{longId}  failed: see [the log]", "ids are never wrapped, a cell is one line and no markup");
        lines[2].Should().MatchRegex(@"^short +- *$");
        lines[2].IndexOf('-', StringComparison.Ordinal).Should().Be(lines[0].IndexOf("ERROR", StringComparison.Ordinal));
    }

    [Fact]
    public void Details_are_aligned_label_value_lines()
    {
        using var output = new StringWriter();

        CliOutput.Create(output).WriteDetails([("id", "acme"), ("max concurrency", "4"), ("error", null)]);

        output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd())
            .Should().Equal("id:               acme", "max concurrency:  4", "error:            -");
    }
}
