using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using FluentAssertions;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Scenarios;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.LoadTester.Tests;

/// <summary>The report writer: valid JSON, and one self-contained HTML file whose SVG charts carry the expected series.</summary>
public sealed partial class ReportWriterTests
{
    private static readonly string[] Designs = ["grain", "direct", "ttl-cache"];

    [Fact]
    public void The_json_is_valid_and_reads_back()
    {
        var report = SampleReport();

        var json = ReportWriter.ToJson(report);

        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("scenarios").GetArrayLength().Should().Be(2);
        var run = document.RootElement.GetProperty("scenarios")[0].GetProperty("runs")[0];
        run.GetProperty("design").GetString().Should().Be("grain");
        run.GetProperty("timeline").GetArrayLength().Should().Be(10);
        run.GetProperty("latency").GetProperty("p99").GetDouble().Should().Be(report.Scenarios[0].Runs[0].Latency.P99);
        var back = ReportWriter.FromJson(json);
        back.Scenarios.SelectMany(s => s.Runs).Select(r => (r.Scenario, r.Design, r.Requests))
            .Should().Equal(report.Scenarios.SelectMany(s => s.Runs).Select(r => (r.Scenario, r.Design, r.Requests)));
        back.Scenarios[1].Runs[0].Failover!.DuplicateActivations.Should().Be(0);
        back.Scenarios[1].Runs[2].Failover!.AcknowledgedWrites.Should().Be(new AcknowledgedWriteCheck(52, 52, 0, 0));
        run = document.RootElement.GetProperty("scenarios")[1].GetProperty("runs")[0];
        run.GetProperty("failover").GetProperty("acknowledgedWrites").GetProperty("missing").GetInt64().Should().Be(0);
    }

    [Fact]
    public void The_failover_figures_show_the_acknowledged_writes_and_a_report_from_before_the_check_says_not_checked()
    {
        var html = ReportWriter.ToHtml(SampleReport());

        html.Should().Contain("acknowledged writes: 50, missing 0 (unverified 0)", "the headline says it for each design")
            .And.Contain("acknowledged writes: 52, missing 0 (unverified 0)")
            .And.Contain("50: 50 present, 0 missing (unverified 0)")
            .And.Contain(SvgChart.Esc(AcknowledgedWriteVerifier.Method), "how they were read back is stated where the figure is");

        // A JSON report written before the check has no acknowledgedWrites: it reads back as null and renders.
        var old = AcknowledgedWritesProperty().Replace(ReportWriter.ToJson(SampleReport()), "");
        old.Should().NotContain("acknowledgedWrites");
        var report = ReportWriter.FromJson(old);
        report.Scenarios[1].Runs[0].Failover!.AcknowledgedWrites.Should().BeNull();
        ReportWriter.ToHtml(report).Should().Contain("acknowledged writes not checked");
    }

    [Fact]
    public void The_html_holds_the_charts_with_their_series()
    {
        var html = ReportWriter.ToHtml(SampleReport());

        html.Should().StartWith("<!DOCTYPE html>");
        var charts = Charts(html);
        charts.Keys.Should().Contain(
        [
            "throughput-steady", "latency-steady", "p99-steady", "errors-steady", "connections-steady", "activations-steady",
            "connections-steady-grain", "connections-steady-direct", "connections-steady-ttl-cache", "throughput-failover",
        ]);
        Series(charts["throughput-steady"]).Should().Equal(Designs);
        Series(charts["p99-steady"]).Should().Equal(Designs);
        Series(charts["latency-steady"]).Should().Equal("p50", "p90", "p99");
        Series(charts["errors-failover"]).Should().Contain(["503", "connect"]);
        Series(charts["connections-steady"]).Should().Contain([.. Designs, "grain data"]);
        Series(charts["activations-steady"]).Should().Equal("silo-1", "silo-2", "silo-3");
        Series(charts["connections-steady-grain"]).Should().Contain(["grain:data|lt_shared_0", "grain:cluster|orleans_tenants"]);
        charts["throughput-failover"].Descendants().Where(e => e.Name.LocalName == "g" && (string?)e.Attribute("data-marker") is { } m && m.StartsWith("kill -9 silo-2", StringComparison.Ordinal))
            .Should().ContainSingle("the kill is marked on the chart");
        charts["throughput-steady"].Descendants().Single(e => (string?)e.Attribute("data-series") == "grain").Descendants()
            .Single(e => e.Name.LocalName == "polyline").Attribute("points")!.Value.Split(' ').Should().HaveCount(10);
    }

    [Fact]
    public void The_html_is_self_contained_and_escapes_what_it_shows()
    {
        var report = SampleReport() with { Notes = ["<script>alert('x')</script> & \"quotes\""] };

        var html = ReportWriter.ToHtml(report);

        html.Should().NotContainAny("<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "http://", "https://", "xlink:href");
        HrefAttribute().Matches(html).Select(m => m.Groups[1].Value).Should().OnlyContain(href => href.StartsWith('#'));
        html.Should().Contain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;");
    }

    [Fact]
    public async Task Both_files_are_written()
    {
        using var directory = new TemporaryDirectory("report-test-");
        var json = Path.Combine(directory.Path, "r.json");
        var html = Path.Combine(directory.Path, "r.html");

        await ReportWriter.WriteAsync(SampleReport(), json, html, CancellationToken.None);

        ReportWriter.FromJson(await File.ReadAllTextAsync(json)).Scenarios.Should().HaveCount(2);
        (await File.ReadAllTextAsync(html)).Should().Contain("data-chart=\"throughput-steady\"");
    }

    [Fact]
    public void A_failover_that_did_not_recover_says_so_and_is_null_in_the_json()
    {
        var report = SampleReport();
        var failover = report.Scenarios[1];
        var runs = failover.Runs.Select(r => r with { Failover = r.Failover! with { LatencyRecoverySeconds = null, ErrorsAtWindowEnd = true } }).ToList();
        report = report with { Scenarios = [report.Scenarios[0], failover with { Runs = runs }] };

        using var json = JsonDocument.Parse(ReportWriter.ToJson(report));
        json.RootElement.GetProperty("scenarios")[1].GetProperty("runs")[0].GetProperty("failover").GetProperty("latencyRecoverySeconds").ValueKind.Should().Be(JsonValueKind.Null);
        var html = ReportWriter.ToHtml(report);
        html.Should().Contain("time to recover: not recovered within the window").And.Contain("errors went on to the end of the window");
        html.Should().Contain(SvgChart.Esc(FailoverAnalysis.RecoveryRule), "the rule is stated where the figure is");
    }

    [Fact]
    public void The_rotate_scenario_shows_each_designs_implied_and_observed_stale_window()
    {
        RotationResult Rotation(long stale, double? last, double? implied, string why) => new(
            10, 30.2, 45, "statement log", stale, stale, stale * 3, last, 29.8, implied, why, 0, 0, null, 500, [], "explained");
        var steady = SampleReport().Scenarios[0];
        var rotate = new ScenarioReport("rotate", "rotation", [
            steady.Runs[0] with { Scenario = "rotate", Rotation = Rotation(0, null, 0, "none: the activation is gone") },
            steady.Runs[2] with { Scenario = "rotate", Rotation = Rotation(120, 29.5, 3600, "clients cached 1 h") },
        ]);

        var html = ReportWriter.ToHtml(SampleReport() with { Scenarios = [rotate] });

        html.Should().Contain("Stale-settings window by design");
        html.Should().Contain("0 s: none: the activation is gone").And.Contain("1 h: clients cached 1 h");
        html.Should().Contain("29.500 s (observed within the remaining 30 s of the run, lower bound)");
        html.Should().Contain("none (observed within the remaining 30 s of the run, lower bound)");
    }

    /// <summary>Every chart, parsed as XML (which also checks that each SVG is well formed), by its data-chart id.</summary>
    private static Dictionary<string, XElement> Charts(string html) =>
        SvgElement().Matches(html).Select(m => XElement.Parse(m.Value)).ToDictionary(e => (string)e.Attribute("data-chart")!);

    private static List<string> Series(XElement chart) =>
        [.. chart.Descendants().Where(e => e.Attribute("data-series") is not null).Select(e => (string)e.Attribute("data-series")!)];

    internal static LoadReport SampleReport()
    {
        var started = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        return new LoadReport(
            "test report",
            started,
            started.AddMinutes(3),
            new MachineInfo(2, 24, "Linux", ".NET 10", "15.18", 300),
            new RunSettingsView(3, 1000, 10, 2, 32, null, 0.9, 1, 42, "the silos", 3, Designs, ["steady", "failover"], "embedded"),
            new ProvisioningSummary(1000, new Dictionary<string, int> { ["shared"] = 450, ["single"] = 100 }, ["main", "lt-shared-0"], 1000, 0, 40, 12.5),
            [
                new ScenarioReport("steady", "warm", [.. Designs.Select((d, i) => Run("steady", d, i, failover: false))]),
                new ScenarioReport("failover", "kill", [.. Designs.Select((d, i) => Run("failover", d, i, failover: true))]),
            ],
            ["a note"]);
    }

    private static DesignRun Run(string scenario, string design, int index, bool failover)
    {
        var timeline = Enumerable.Range(0, 10).Select(t => new TimelinePoint(t, 100 + 10 * index + t, failover && t == 3 ? 5 : 0, 2 + index, 9 + index)).ToList();
        var samples = Enumerable.Range(-2, 12).Select(t => new ConnectionSample(t, new Dictionary<string, int>
        {
            [$"{design}:data|lt_shared_0"] = 10 + t,
            [$"{design}:{(design == "grain" ? "cluster" : "catalog")}|orleans_tenants"] = 5,
            ["loadtester:tool|orleans_tenants"] = 1,
        })).ToList();
        var byStatus = new Dictionary<string, long> { ["200"] = 1000, ["201"] = 50 };
        if (failover)
        {
            byStatus["503"] = 3;
            byStatus["connect"] = 2;
        }

        return new DesignRun(
            design,
            scenario,
            10,
            1050 + (failover ? 5 : 0),
            1050,
            failover ? 5 : 0,
            0,
            105,
            new LatencySummary(2 + index, 5 + index, 9 + index, 20, 30, 3),
            byStatus,
            failover ? new Dictionary<string, string> { ["503"] = "unavailable" } : new Dictionary<string, string>(),
            timeline,
            new ConnectionSummary(design, 27, 20, 21, 15, 28, samples.SelectMany(s => s.Groups).GroupBy(g => g.Key).ToDictionary(g => g.Key, g => g.Max(kv => kv.Value))),
            samples,
            design == "grain" ? [.. Enumerable.Range(0, 10).Select(t => new ActivationSample(t, new Dictionary<string, int> { ["silo-1"] = 300, ["silo-2"] = 350, ["silo-3"] = 350 }))] : null,
            failover ? [new EventMarker(3.3, $"kill -9 {(design == "grain" ? "silo-2" : design + "-2")}")] : [],
            null,
            null,
            null,
            failover ? new FailoverResult("silo-2", 3.3, 5, 2, 3, new Dictionary<string, long> { ["503"] = 3 }, 0.8, 0.8, false, 9, 59, 1.2, 4, design == "grain" ? 0 : null, design == "grain" ? 1000 : null, "logs", new AcknowledgedWriteCheck(50 + index, 50 + index, 0, 0)) : null,
            new HostCpu(99, 90, 9),
            []);
    }

    [GeneratedRegex("<svg .*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex HrefAttribute();

    [GeneratedRegex(",\\s*\"acknowledgedWrites\": \\{[^}]*\\}")]
    private static partial Regex AcknowledgedWritesProperty();
}
