using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTenants.LoadTester.Reporting;

/// <summary>
/// Writes a <see cref="LoadReport"/> as JSON and as one self-contained HTML file: inline CSS and inline SVG
/// charts, no script, no font, no image, nothing fetched from anywhere.
/// </summary>
public static partial class ReportWriter
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private const string Style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #111827; max-width: 1340px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 16px 0 6px; }
        .meta, .desc { color: #4b5563; } .note { color: #92400e; }
        table { border-collapse: collapse; margin: 8px 0 12px; } th, td { border: 1px solid #e5e7eb; padding: 3px 8px; text-align: right; }
        th { background: #f9fafb; } td.l, th.l { text-align: left; }
        .grid { display: flex; flex-wrap: wrap; gap: 12px; } .chart { border: 1px solid #e5e7eb; border-radius: 4px; }
        .chart text { font: 11px system-ui, sans-serif; fill: #374151; } .chart .chart-title { font-size: 13px; font-weight: 600; fill: #111827; }
        .chart .value { font-size: 10px; } .chart .marker-label { font-size: 10px; fill: #111827; }
        .good { color: #166534; font-weight: 600; } .bad { color: #991b1b; font-weight: 600; }
        code { background: #f3f4f6; padding: 0 3px; }
        """;

    public static async Task WriteAsync(LoadReport report, string jsonPath, string htmlPath, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(jsonPath, ToJson(report), cancellationToken);
        await File.WriteAllTextAsync(htmlPath, ToHtml(report), cancellationToken);
    }

    public static string ToJson(LoadReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static LoadReport FromJson(string json) =>
        JsonSerializer.Deserialize<LoadReport>(json, JsonOptions) ?? throw new JsonException("The report is empty.");

    public static string ToHtml(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(512 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append(CultureInfo.InvariantCulture, $"<title>{E(report.Title)}</title><style>{Style}</style></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>{E(report.Title)}</h1>");
        var m = report.Machine;
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{report.StartedAt:yyyy-MM-dd HH:mm:ss} to {report.FinishedAt:HH:mm:ss} UTC · {m.Cores} cores, {m.MemoryGiB:0.#} GiB · {E(m.Os)} · {E(m.Runtime)}");
        html.Append(CultureInfo.InvariantCulture, $"{(m.PostgresVersion is null ? "" : " · PostgreSQL " + E(m.PostgresVersion))}{(m.PostgresMaxConnections is { } max ? $" (max_connections {max})" : "")}</p>");

        Headline(html, report);
        Settings(html, report);
        foreach (var scenario in report.Scenarios)
        {
            Scenario(html, scenario);
        }

        if (report.Notes.Count > 0)
        {
            html.Append("<h2 id=\"notes\">Notes</h2><ul>");
            foreach (var note in report.Notes)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{E(note)}</li>");
            }

            html.Append("</ul>");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static void Headline(StringBuilder html, LoadReport report)
    {
        html.Append("<h2 id=\"headline\">Headline</h2>");
        html.Append("<table><tr><th class=\"l\">scenario</th><th class=\"l\">design</th><th>req/s</th><th>p50 ms</th><th>p99 ms</th><th>requests</th><th>errors</th><th>design DB connections peak (data)</th><th>vs direct</th><th class=\"l\">scenario result</th></tr>");
        foreach (var scenario in report.Scenarios)
        {
            var direct = scenario.Runs.FirstOrDefault(r => r.Design == "direct");
            foreach (var run in scenario.Runs)
            {
                var ratio = direct is { Throughput: > 0 } && run.Design != "direct" ? (run.Throughput / direct.Throughput).ToString("0.00", CultureInfo.InvariantCulture) : "";
                html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\"><a href=\"#scenario-{E(scenario.Name)}\">{E(scenario.Name)}</a></td><td class=\"l\">{E(run.Design)}</td>");
                html.Append(CultureInfo.InvariantCulture, $"<td>{run.Throughput:0}</td><td>{N(run.Latency.P50)}</td><td>{N(run.Latency.P99)}</td><td>{run.Requests:N0}</td>");
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"{(run.Errors == 0 ? "good" : "bad")}\">{run.Errors:N0}</td>");
                html.Append(CultureInfo.InvariantCulture, $"<td>{run.Connections.PeakDesign} ({run.Connections.PeakDesignData})</td><td>{ratio}</td><td class=\"l\">{E(ResultText(run))}</td></tr>");
            }
        }

        html.Append("</table>");
        html.Append("<p class=\"desc\">vs direct: the design's throughput divided by that of <code>direct</code> (the floor: one pool per database, no tenancy logic) in the same scenario. ");
        html.Append("Connections: the peak number of PostgreSQL backends held by the design's processes during the measured window, sampled each second from <code>pg_stat_activity</code>; in brackets those of its tenant-data pools only.</p>");
    }

    private static string ResultText(DesignRun run)
    {
        var parts = new List<string>();
        if (run.Burst is { } burst)
        {
            parts.Add($"burst of {burst.Tenants} first calls: {burst.Seconds:0.0} s, p99 {N(burst.Latency.P99)} ms, {burst.Errors} errors");
        }

        if (run.Churn is { } churn)
        {
            parts.Add($"returning-tenant calls p99 {N(churn.ReturningLatency.P99)} ms ({churn.ReturningCalls:N0})" +
                (churn.Activations is { } a ? $", {a:N0} activations, {churn.IdleCollections:N0} idle collections" : ""));
        }

        if (run.Rotation is { } rotation)
        {
            parts.Add(rotation.StaleUnits is { } stale
                ? $"{stale:N0} requests ({rotation.StaleReads:N0} reads) served with the old credentials after the admin call returned"
                : $"stale requests not measured by statement log; {rotation.SampledStaleBackends} sampled old-role statements");
        }

        if (run.Failover is { } failover)
        {
            parts.Add($"{failover.Killed} killed at {failover.KilledAt:0.0} s: {failover.ErrorsAfterKill:N0} errors ({failover.ErrorsOnLiveTargets:N0} through live nodes), " +
                $"{failover.SlowRequestsAfterKill:N0} requests over 1 s, time to recover: {RecoveryText(failover)}" +
                (failover.DuplicateActivations is { } d ? $", duplicate activations {d}" : "") +
                ", " + AcknowledgedWritesText(failover));
        }

        return string.Join("; ", parts);
    }

    private static void Settings(StringBuilder html, LoadReport report)
    {
        var s = report.Settings;
        html.Append("<h2 id=\"settings\">Settings</h2><table>");
        Row(html, "silos", s.Silos.ToString(CultureInfo.InvariantCulture));
        Row(html, "grain design reached through", s.GrainTarget);
        Row(html, "baseline instances (processes) per design", s.BaselineInstances.ToString(CultureInfo.InvariantCulture));
        Row(html, "tenants", s.Tenants.ToString(CultureInfo.InvariantCulture));
        Row(html, "measured seconds per scenario and design", s.DurationSeconds.ToString(CultureInfo.InvariantCulture) + $" (after {s.WarmupSeconds} s of warm-up)");
        Row(html, "load", s.ArrivalRate is { } rate ? $"fixed arrival rate {rate} req/s (at most {s.Concurrency} in flight)" : $"fixed concurrency: {s.Concurrency} callers, closed loop");
        Row(html, "read share", s.ReadRatio.ToString("P0", CultureInfo.InvariantCulture));
        Row(html, "tenant popularity", $"Zipf, exponent {s.ZipfExponent}");
        Row(html, "seed", s.Seed.ToString(CultureInfo.InvariantCulture));
        Row(html, "designs", string.Join(", ", s.Designs));
        Row(html, "scenarios", string.Join(", ", s.Scenarios));
        Row(html, "catalog", s.Catalog);
        if (report.Provisioning is { } p)
        {
            Row(html, "tenants by placement", string.Join(", ", p.ByMode.Select(kv => $"{kv.Key} {kv.Value}")));
            Row(html, "tenant databases", string.Join(", ", p.Databases));
            Row(html, "provisioning", $"{p.Created} created, {p.Reused} reused, {p.RowsPerTenant} seeded rows per tenant, {p.Seconds:0.0} s");
        }

        html.Append("</table>");
    }

    private static void Scenario(StringBuilder html, ScenarioReport scenario)
    {
        var id = scenario.Name;
        html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"scenario-{E(id)}\">Scenario <code>{E(id)}</code></h2><p class=\"desc\">{E(scenario.Description)}</p>");
        var runs = scenario.Runs;
        var designs = runs.Select(r => r.Design).ToList();
        var markers = runs.SelectMany(r => r.Events.Select(e => new EventMarker(e.T, $"{e.Label} ({r.Design})"))).ToList();

        html.Append("<div class=\"grid\">");
        html.Append(SvgChart.Line(
            $"throughput-{id}", "Throughput over time (successful requests per second)", "seconds", "req/s",
            [.. runs.Select(r => new ChartSeries(r.Design, [.. r.Timeline.Select(p => (p.T, (double)p.Ok))]))], markers));
        html.Append(SvgChart.Bars(
            $"latency-{id}", "Latency percentiles (ms)", "ms", designs,
            [
                new BarSeries("p50", [.. runs.Select(r => r.Latency.P50)], "#93c5fd"),
                new BarSeries("p90", [.. runs.Select(r => r.Latency.P90)], "#3b82f6"),
                new BarSeries("p99", [.. runs.Select(r => r.Latency.P99)], "#1e3a8a"),
            ]));
        html.Append(SvgChart.Line(
            $"p99-{id}", "p99 latency per second (ms)", "seconds", "ms",
            [.. runs.Select(r => new ChartSeries(r.Design, [.. r.Timeline.Where(p => p.Ok + p.Errors > 0).Select(p => (p.T, p.P99))]))], markers));
        var statuses = runs.SelectMany(r => r.ByStatus.Keys).Where(k => !IsSuccess(k)).Distinct().Order(StringComparer.Ordinal).ToList();
        html.Append(SvgChart.Bars(
            $"errors-{id}", statuses.Count == 0 ? "Errors by status (none)" : "Errors by status", "requests", designs,
            statuses.Count == 0
                ? [new BarSeries("no errors", [.. runs.Select(_ => 0.0)], "#9ca3af")]
                : [.. statuses.Select((status, i) => new BarSeries(status, [.. runs.Select(r => (double)r.ByStatus.GetValueOrDefault(status))], StatusColor(status, i)))],
            stacked: true));
        html.Append(SvgChart.Line(
            $"connections-{id}", "Open database connections over time (each design's processes)", "seconds", "connections",
            [
                .. runs.Select(r => new ChartSeries(r.Design, [.. r.ConnectionSamples.Select(c => (c.T, (double)DesignTotal(c, r.Connections.DesignPrefix)))])),
                .. runs.Select(r => new ChartSeries(r.Design + " data", [.. r.ConnectionSamples.Select(c => (c.T, (double)DesignData(c, r.Connections.DesignPrefix)))], SvgChart.ColorFor(r.Design, 0), Dashed: true)),
            ],
            markers));
        foreach (var run in runs.Where(r => r.Activations is { Count: > 0 }))
        {
            var silos = run.Activations!.SelectMany(a => a.Silos.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
            html.Append(SvgChart.Line(
                $"activations-{id}", $"Activations per silo ({run.Design}, from /admin/cluster)", "seconds", "activations",
                [.. silos.Select((silo, i) => new ChartSeries(silo, [.. run.Activations!.Where(a => a.Silos.ContainsKey(silo)).Select(a => (a.T, (double)a.Silos[silo]))], SvgChart.PaletteColor(i)))],
                [.. run.Events]));
        }

        foreach (var run in runs)
        {
            var groups = run.Connections.PeakByGroup.OrderByDescending(kv => kv.Value).Select(kv => kv.Key).ToList();
            var shown = groups.Take(7).ToList();
            var series = shown.Select((g, i) => new ChartSeries(g, [.. run.ConnectionSamples.Select(c => (c.T, (double)c.Groups.GetValueOrDefault(g)))], SvgChart.PaletteColor(i))).ToList();
            if (groups.Count > shown.Count)
            {
                series.Add(new ChartSeries("other", [.. run.ConnectionSamples.Select(c => (c.T, (double)c.Groups.Where(kv => !shown.Contains(kv.Key)).Sum(kv => kv.Value)))], "#9ca3af"));
            }

            html.Append(SvgChart.Line(
                $"connections-{id}-{run.Design}", $"Connections by application_name / database ({run.Design} run)", "seconds", "connections", series, [.. run.Events], width: 640, height: 260));
        }

        html.Append("</div>");
        RunTable(html, runs);
        StaleWindows(html, runs);
        foreach (var run in runs)
        {
            Details(html, run);
        }
    }

    private static void RunTable(StringBuilder html, IReadOnlyList<DesignRun> runs)
    {
        html.Append("<table><tr><th class=\"l\">design</th><th>seconds</th><th>requests</th><th>req/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>errors</th><th>not sent (client limit)</th>");
        html.Append("<th>design conns peak</th><th>mean</th><th>data conns peak</th><th>mean</th><th>all conns peak</th><th>CPU busy</th><th>of it other programs</th></tr>");
        foreach (var r in runs)
        {
            var c = r.Connections;
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(r.Design)}</td><td>{r.Seconds:0}</td><td>{r.Requests:N0}</td><td>{r.Throughput:0}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{N(r.Latency.P50)}</td><td>{N(r.Latency.P90)}</td><td>{N(r.Latency.P99)}</td><td>{N(r.Latency.P999)}</td><td>{N(r.Latency.Max)}</td><td>{r.Errors:N0}</td><td>{r.Dropped:N0}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{c.PeakDesign}</td><td>{c.MeanDesign:0.#}</td><td>{c.PeakDesignData}</td><td>{c.MeanDesignData:0.#}</td><td>{c.PeakAll}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{(r.Cpu is { } cpu ? $"{cpu.BusyPercent:0} %" : "")}</td><td class=\"{(r.Cpu is { OthersPercent: > 10 } ? "bad" : "")}\">{(r.Cpu is { } other ? $"{other.OthersPercent:0} %" : "")}</td></tr>");
        }

        html.Append("</table><p class=\"desc\">Latencies in ms, client side, from the request's start (its scheduled start at a fixed arrival rate) to the end of its response body. ");
        html.Append("Not sent: at a fixed arrival rate, requests the load generator dropped because its own in-flight limit was reached; they say the client fell short, and are not errors. ");
        html.Append("CPU: mean share of all cores over the window (/proc/stat); \"other programs\" is what processes outside this run's process tree used, which disturbs the comparison when high.</p>");
    }

    internal static bool IsSuccess(string status) => status.Length == 3 && status[0] == '2';

    internal static int DesignTotal(ConnectionSample sample, string prefix) =>
        sample.Groups.Where(kv => kv.Key.StartsWith(prefix + ":", StringComparison.Ordinal)).Sum(kv => kv.Value);

    internal static int DesignData(ConnectionSample sample, string prefix) =>
        sample.Groups.Where(kv => kv.Key.StartsWith(prefix + ":data|", StringComparison.Ordinal)).Sum(kv => kv.Value);

    private static string StatusColor(string status, int index) => status switch
    {
        "500" => "#991b1b",
        "503" => "#dc2626",
        "429" => "#f59e0b",
        "504" or "timeout" => "#7c3aed",
        "connect" => "#6b7280",
        "io" => "#374151",
        _ => SvgChart.PaletteColor(index + 3),
    };

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append(CultureInfo.InvariantCulture, $"<tr><th class=\"l\">{E(name)}</th><td class=\"l\">{E(value)}</td></tr>");

    private static string N(double ms) => SvgChart.Fmt(ms);

    private static string E(string text) => SvgChart.Esc(text);
}
