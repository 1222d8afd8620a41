using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OrleansTenants.Cli;

/// <summary>A plain-text table: a header row and left-aligned columns two spaces apart.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params string?[] cells)
    {
        var row = new string[headers.Length];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = i < cells.Length && !string.IsNullOrEmpty(cells[i]) ? Clean(cells[i]!) : "-";
        }

        _rows.Add(row);
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        WriteRow(writer, headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    /// <summary>Label/value pairs, one a line, values aligned.</summary>
    public static void WriteDetails(TextWriter writer, IEnumerable<(string Label, string? Value)> details)
    {
        var list = details.ToList();
        var width = list.Max(d => d.Label.Length) + 1;
        foreach (var (label, value) in list)
        {
            writer.WriteLine($"{(label + ":").PadRight(width)}  {(string.IsNullOrEmpty(value) ? "-" : Clean(value))}");
        }
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

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }

            line.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]));
        }

        writer.WriteLine(line.ToString().TrimEnd());
    }

    // One cell, one line: a multi-line value (an error message) would break the columns.
    private static string Clean(string value) => value.ReplaceLineEndings(" ").Replace('\t', ' ');
}
