using System.Globalization;
using System.Net;
using System.Text;

namespace OrleansTenants.LoadTester.Reporting;

/// <summary>A line of a line chart: (x, y) points; <see cref="Dashed"/> draws it dashed.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, string? Color = null, bool Dashed = false);

/// <summary>A named set of bars, one value per group.</summary>
internal sealed record BarSeries(string Name, IReadOnlyList<double> Values, string? Color = null);

/// <summary>
/// Inline SVG charts, no library and no external reference: axes with round ticks, a legend, a tooltip
/// (<c>&lt;title&gt;</c>) on every point or bar. Each series is a group with <c>data-series</c>, each chart an
/// <c>&lt;svg&gt;</c> with <c>data-chart</c>, so the output can be checked by tools as well as read.
/// </summary>
internal static class SvgChart
{
    private const double Left = 62;
    private const double Right = 16;
    private const double TitleHeight = 24;
    private const double LegendRowHeight = 15;
    private const double Bottom = 46;
    private static readonly string[] Palette = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

    public static string ColorFor(string name, int index) => name switch
    {
        "grain" => "#2563eb",
        "direct" => "#16a34a",
        "ttl-cache" => "#dc2626",
        _ => PaletteColor(index),
    };

    /// <summary>The palette's colour for the <paramref name="index"/>-th series (it repeats after ten).</summary>
    public static string PaletteColor(int index) => Palette[index % Palette.Length];

    public static string Line(
        string chartId,
        string title,
        string xLabel,
        string yLabel,
        IReadOnlyList<ChartSeries> series,
        IReadOnlyList<EventMarker>? markers = null,
        int width = 640,
        int height = 300)
    {
        var legend = LegendLayout([.. series.Select((s, i) => (s.Name, s.Color ?? ColorFor(s.Name, i)))], width);
        var top = TitleHeight + legend.Rows * LegendRowHeight + 14;
        var points = series.SelectMany(s => s.Points).ToList();
        var xMax = points.Count == 0 ? 1 : Math.Max(points.Max(p => p.X), 1e-9);
        var xMin = points.Count == 0 ? 0 : Math.Min(0, points.Min(p => p.X));
        var yMax = NiceCeiling(points.Count == 0 ? 1 : points.Max(p => p.Y));
        var plotWidth = width - Left - Right;
        var plotHeight = height - top - Bottom;
        double X(double x) => Left + (x - xMin) / (xMax - xMin) * plotWidth;
        double Y(double y) => top + plotHeight - y / yMax * plotHeight;

        var svg = Begin(chartId, title, width, height);
        Axes(svg, width, height, top, yMax, yLabel, xLabel);
        foreach (var tick in Ticks(xMin, xMax))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{F(X(tick))}\" y=\"{F(height - Bottom + 16)}\" text-anchor=\"middle\">{Fmt(tick)}</text>");
        }

        var shown = 0;
        foreach (var marker in markers ?? [])
        {
            if (marker.T < xMin || marker.T > xMax)
            {
                continue;
            }

            // Labels of markers at about the same time are stacked, not drawn over each other.
            var labelY = top + 12 + 11 * (shown++ % 4);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"marker\" data-marker=\"{Esc(marker.Label)}\"><line x1=\"{F(X(marker.T))}\" y1=\"{F(top)}\" x2=\"{F(X(marker.T))}\" y2=\"{F(top + plotHeight)}\" stroke=\"#111827\" stroke-dasharray=\"4 3\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"marker-label\" x=\"{F(X(marker.T) + 4)}\" y=\"{F(labelY)}\">{Esc(marker.Label)}</text></g>");
        }

        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = s.Color ?? ColorFor(s.Name, i);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-series=\"{Esc(s.Name)}\">");
            if (s.Points.Count > 0)
            {
                var path = string.Join(' ', s.Points.Select(p => $"{F(X(p.X))},{F(Y(p.Y))}"));
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{(s.Dashed ? " stroke-dasharray=\"6 3\"" : "")} points=\"{path}\"><title>{Esc(s.Name)}</title></polyline>");
                // Points are hoverable only when there are few enough of them to tell apart.
                if (s.Points.Count <= 400)
                {
                    foreach (var p in s.Points)
                    {
                        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(X(p.X))}\" cy=\"{F(Y(p.Y))}\" r=\"1.6\" fill=\"{color}\"><title>{Esc(s.Name)}: {Fmt(p.Y)} at {Fmt(p.X)}</title></circle>");
                    }
                }
            }

            svg.Append("</g>");
        }

        svg.Append(legend.Svg);
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Grouped (or stacked) bars: one cluster per group, one bar per series.</summary>
    public static string Bars(
        string chartId,
        string title,
        string yLabel,
        IReadOnlyList<string> groups,
        IReadOnlyList<BarSeries> series,
        bool stacked = false,
        int width = 640,
        int height = 300)
    {
        var legend = LegendLayout([.. series.Select((s, i) => (s.Name, s.Color ?? ColorFor(s.Name, i)))], width);
        var top = TitleHeight + legend.Rows * LegendRowHeight + 14;
        var totals = groups.Select((_, g) => stacked ? series.Sum(s => s.Values[g]) : series.Select(s => s.Values[g]).DefaultIfEmpty(0).Max()).ToList();
        var yMax = NiceCeiling(totals.DefaultIfEmpty(0).Max());
        var plotWidth = width - Left - Right;
        var plotHeight = height - top - Bottom;
        double Y(double y) => top + plotHeight - y / yMax * plotHeight;

        var svg = Begin(chartId, title, width, height);
        Axes(svg, width, height, top, yMax, yLabel, null);
        var groupWidth = plotWidth / Math.Max(1, groups.Count);
        var barCount = stacked ? 1 : Math.Max(1, series.Count);
        var barWidth = Math.Min(56, groupWidth * 0.8 / barCount);
        for (var g = 0; g < groups.Count; g++)
        {
            var center = Left + groupWidth * (g + 0.5);
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{F(center)}\" y=\"{F(height - Bottom + 16)}\" text-anchor=\"middle\">{Esc(groups[g])}</text>");
        }

        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = s.Color ?? ColorFor(s.Name, i);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-series=\"{Esc(s.Name)}\">");
            for (var g = 0; g < groups.Count; g++)
            {
                var value = s.Values[g];
                var below = stacked ? series.Take(i).Sum(o => o.Values[g]) : 0;
                var x = stacked
                    ? Left + groupWidth * (g + 0.5) - barWidth / 2
                    : Left + groupWidth * (g + 0.5) - barWidth * barCount / 2 + barWidth * i;
                var barTop = Y(below + value);
                var bottom = Y(below);
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x + 1)}\" y=\"{F(barTop)}\" width=\"{F(Math.Max(1, barWidth - 2))}\" height=\"{F(Math.Max(0, bottom - barTop))}\" fill=\"{color}\"><title>{Esc(groups[g])} {Esc(s.Name)}: {Fmt(value)}</title></rect>");
                if (!stacked && value > 0)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{F(x + barWidth / 2)}\" y=\"{F(barTop - 3)}\" text-anchor=\"middle\">{Fmt(value)}</text>");
                }
            }

            svg.Append("</g>");
        }

        svg.Append(legend.Svg);
        return svg.Append("</svg>").ToString();
    }

    /// <summary>The smallest 1, 2, 2.5 or 5 times a power of ten at or above <paramref name="value"/> (1 for nothing).</summary>
    public static double NiceCeiling(double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * power >= value * 1.0000001)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static StringBuilder Begin(string chartId, string title, int width, int height)
    {
        var svg = new StringBuilder(16 * 1024);
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"{Esc(chartId)}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{Esc(title)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Esc(title)}</title><rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"chart-title\" x=\"{F(Left)}\" y=\"17\">{Esc(title)}</text>");
        return svg;
    }

    private static void Axes(StringBuilder svg, int width, int height, double top, double yMax, string yLabel, string? xLabel)
    {
        var plotHeight = height - top - Bottom;
        for (var i = 0; i <= 5; i++)
        {
            var value = yMax * i / 5;
            var y = top + plotHeight - plotHeight * i / 5;
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{F(Left)}\" y1=\"{F(y)}\" x2=\"{F(width - Right)}\" y2=\"{F(y)}\" stroke=\"#e5e7eb\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{F(Left - 6)}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Fmt(value)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(Left)}\" y1=\"{F(top)}\" x2=\"{F(Left)}\" y2=\"{F(top + plotHeight)}\" stroke=\"#6b7280\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(Left)}\" y1=\"{F(top + plotHeight)}\" x2=\"{F(width - Right)}\" y2=\"{F(top + plotHeight)}\" stroke=\"#6b7280\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-label\" transform=\"translate(14 {F(top + plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{Esc(yLabel)}</text>");
        if (xLabel is not null)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-label\" x=\"{F(Left + (width - Left - Right) / 2)}\" y=\"{F(height - 8)}\" text-anchor=\"middle\">{Esc(xLabel)}</text>");
        }
    }

    /// <summary>The legend in rows under the title, left to right, wrapping at the chart's width.</summary>
    private static (string Svg, int Rows) LegendLayout(IReadOnlyList<(string Name, string Color)> entries, int width)
    {
        var svg = new StringBuilder();
        var x = Left;
        var row = 0;
        foreach (var (name, color) in entries)
        {
            var entryWidth = 6.3 * name.Length + 26;
            if (x + entryWidth > width - Right && x > Left)
            {
                row++;
                x = Left;
            }

            var y = TitleHeight + 10 + row * LegendRowHeight;
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"legend\"><rect x=\"{F(x)}\" y=\"{F(y - 9)}\" width=\"12\" height=\"10\" fill=\"{color}\"/><text x=\"{F(x + 16)}\" y=\"{F(y)}\">{Esc(name)}</text></g>");
            x += entryWidth;
        }

        return (svg.ToString(), entries.Count == 0 ? 0 : row + 1);
    }

    private static IEnumerable<double> Ticks(double min, double max)
    {
        var step = NiceCeiling((max - min) / 6);
        for (var t = Math.Ceiling(min / step) * step; t <= max + step * 1e-9; t += step)
        {
            yield return t;
        }
    }

    internal static string Fmt(double value) => Math.Abs(value) switch
    {
        0 => "0",
        >= 100_000 => value.ToString("0.##e0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    internal static string Esc(string text) => WebUtility.HtmlEncode(text);
}
