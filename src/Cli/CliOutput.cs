using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace OrleansTenants.Cli;

/// <summary>
/// How the CLI prints tables and label/value lists: Spectre.Console, which on a terminal draws a bordered table that
/// fits the window. Redirected output (a pipe, a file, a test's writer) stays what scripts can split on whitespace:
/// no border, no ANSI codes, columns two spaces apart, one line per row however long.
/// </summary>
internal static class CliOutput
{
    public static IAnsiConsole Create(TextWriter output)
    {
        var target = new AnsiConsoleOutput(output);
        var terminal = target.IsTerminal;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = target,
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            // Without a terminal to ask, Spectre would wrap at 80 columns and split long ids and errors over lines.
            console.Profile.Width = int.MaxValue;
        }

        return console;
    }

    public static Table Table(this IAnsiConsole console, params string[] headers)
    {
        var terminal = console.Profile.Out.IsTerminal;
        var table = new Table { Border = terminal ? TableBorder.Rounded : TableBorder.None };
        foreach (var (header, i) in headers.Select((h, i) => (h, i)))
        {
            var column = new TableColumn(new Text(header, new Style(decoration: Decoration.Bold)));
            if (!terminal)
            {
                column.Padding = new Padding(0, 0, i == headers.Length - 1 ? 0 : 2, 0);
            }

            // The first column names the row (an id, a database, a metric): it is never split, whatever the width.
            column.NoWrap = i == 0;
            table.AddColumn(column);
        }

        return table;
    }

    /// <summary>A row of plain text (no markup); an empty cell shows as "-".</summary>
    public static void Row(this Table table, params string?[] cells) => table.AddRow(cells.Select(Cell));

    /// <summary>Label/value pairs, one a line, values aligned.</summary>
    public static void WriteDetails(this IAnsiConsole console, IEnumerable<(string Label, string? Value)> details)
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn { NoWrap = true });
        grid.AddColumn(new GridColumn { Padding = new Padding(0) });
        foreach (var (label, value) in details)
        {
            grid.AddRow(new Text(label + ":"), Cell(value));
        }

        console.Write(grid);
    }

    public static string Time(DateTimeOffset? value) =>
        value is { } time ? time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>The JSON indented, with non-ASCII text left readable.</summary>
    public static string Indent(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // One cell, one line: a multi-line value (an error message) would break the columns of redirected output.
    private static Text Cell(string? value) =>
        new(string.IsNullOrEmpty(value) ? "-" : value.ReplaceLineEndings(" ").Replace('\t', ' '));
}
