using FluentAssertions;
using OrleansTenants.LoadTester.Monitoring;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Scenarios;
using OrleansTenants.LoadTester.Workload;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.LoadTester.Tests;

/// <summary>The analyses behind the rotation and failover figures, on logs written here.</summary>
public sealed class AnalysisTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 0, TimeSpan.Zero);
    private readonly TemporaryDirectory _directory = new("analysis-test-");

    [Fact]
    public void Overlapping_activations_of_one_tenant_on_two_silos_are_duplicates_and_handovers_are_not()
    {
        var a = Write("silo-1.log",
            Activated("t1", 0), Deactivated("t1", 10, "ActivationIdle"),
            Activated("t2", 0),
            Activated("t3", 1));
        var b = Write("silo-2.log",
            Activated("t1", 11),
            Activated("t2", 5),
            "{\"Timestamp\":\"2026-01-02T03:04:09.000Z\",\"Category\":\"OrleansTenants.Grains.Tenants.TenantGrain\",\"Mess",
            Activated("t3", 30));

        // silo-1 was killed at 20 s: its t3 ends there, before silo-2 activates t3 at 30 s; t2 overlaps (5 s on both).
        var analysis = ActivationLog.Analyze([new SiloLog("silo-1", a, T0.AddSeconds(20)), new SiloLog("silo-2", b, null)], T0, T0.AddSeconds(60), T0.AddSeconds(62));

        analysis.Activations.Should().Be(6);
        analysis.Deactivations.Should().Be(1);
        analysis.IdleCollectionsInWindow.Should().Be(1);
        analysis.Duplicates.Should().Be(1);
        analysis.DuplicateExamples.Should().ContainSingle().Which.Should().StartWith("t2:");
    }

    [Fact]
    public void An_open_activation_on_a_live_silo_lasts_until_the_analysis_and_overlaps_a_later_one_elsewhere()
    {
        // silo-1 still runs and never logged t1's deactivation; its last line is at 2 s, long before silo-2 activates t1.
        var a = Write("silo-1.log", Activated("t1", 1), Activated("t2", 2));
        var b = Write("silo-2.log", Activated("t1", 30));

        var analysis = ActivationLog.Analyze([new SiloLog("silo-1", a, null), new SiloLog("silo-2", b, null)], T0, T0.AddSeconds(60), T0.AddSeconds(62));

        analysis.Duplicates.Should().Be(1);
        analysis.DuplicateExamples.Should().ContainSingle().Which.Should().StartWith("t1: silo-1");
    }

    [Fact]
    public void Statements_of_the_old_roles_are_counted_after_their_rotation_only()
    {
        var log = Write("postgres.log",
            Opens("01.000", 11, "old_a"),
            Logged("01.001", 11, "old_a", "SELECT a.id FROM crm.accounts a"),
            "2026-01-02 03:04:01.001 UTC [11] old_a@db DETAIL:  parameters: $1 = 'lt-0001'",
            Opens("05.000", 11, "old_a"),
            Logged("05.002", 11, "old_a", "SELECT a.id"),
            "  FROM crm.accounts a",
            Opens("05.010", 12, "old_b"),
            Logged("05.011", 12, "old_b", "INSERT INTO crm.notes (tenant_id, body) VALUES ($1, $2)"),
            Logged("06.000", 13, "other", "SELECT set_config('app.tenant_id', $1, true)"));

        var counts = StatementLog.Count(log, 0, new Dictionary<string, DateTimeOffset>
        {
            ["old_a"] = T0.AddSeconds(2),
            ["old_b"] = T0.AddSeconds(5),
        });

        // old_a: one request after its moment, a read (two statements); old_b: one request, a write (two statements).
        counts["old_a"].Should().Be(new RoleStatements(1, 1, T0.AddMilliseconds(5002), 2));
        counts["old_b"].Should().Be(new RoleStatements(1, 0, T0.AddMilliseconds(5011), 2));
        counts.Should().NotContainKey("other");
    }

    [Fact]
    public void A_request_with_any_statement_from_the_rotation_on_is_stale_once_and_the_rotation_millisecond_counts()
    {
        var log = Write("postgres.log",
            // Opened before the moment, its SELECT runs after it: one stale read.
            Opens("04.990", 21, "old_a"),
            Logged("05.020", 21, "old_a", "SELECT a.id FROM crm.accounts a"),
            Logged("05.021", 21, "old_a", "SELECT c.id FROM crm.contacts c"),
            // Logged in the millisecond the call returned in (at .000400): it may have started after it, so it counts.
            Opens("05.000", 22, "old_b"),
            Logged("05.000", 22, "old_b", "UPDATE crm.accounts SET phone = $1"),
            // Wholly before the moment: not stale.
            Opens("04.500", 23, "old_b"),
            Logged("04.501", 23, "old_b", "SELECT a.id FROM crm.accounts a"));

        var counts = StatementLog.Count(log, 0, new Dictionary<string, DateTimeOffset>
        {
            ["old_a"] = T0.AddSeconds(5),
            ["old_b"] = T0.AddSeconds(5).AddTicks(4000),
        });

        counts["old_a"].Should().Be(new RoleStatements(1, 1, T0.AddMilliseconds(5021), 2));
        counts["old_b"].Should().Be(new RoleStatements(1, 0, T0.AddMilliseconds(5000), 2));
    }

    [Fact]
    public void Recovery_needs_five_good_seconds_in_a_row_and_is_absent_when_errors_last_to_the_end()
    {
        const double Threshold = 60;
        TimelinePoint Good(int t) => new(t, 100, 0, 2, 9);
        TimelinePoint Failing(int t) => new(t, 80, 3, 2, 9);
        TimelinePoint Slow(int t) => new(t, 100, 0, 2, 400);

        // Kill at 3.5 s: bad at 4 and 5, five good seconds from 6 on, then a late isolated blip at 13 that does not move it.
        TimelinePoint[] blip = [.. Enumerable.Range(0, 4).Select(Good), Failing(4), Slow(5), .. Enumerable.Range(6, 7).Select(Good), Failing(13), Good(14)];
        FailoverAnalysis.RecoverySeconds(blip, 3.5, Threshold).Should().Be(2.5);

        // Good seconds between bad ones are not enough: only the run of five from 9 on is.
        TimelinePoint[] flapping = [.. Enumerable.Range(0, 4).Select(Good), Failing(4), Good(5), Good(6), Failing(7), Failing(8), .. Enumerable.Range(9, 6).Select(Good)];
        FailoverAnalysis.RecoverySeconds(flapping, 3.5, Threshold).Should().Be(5.5);

        // Errors to the end of the window: not recovered.
        TimelinePoint[] never = [.. Enumerable.Range(0, 4).Select(Good), .. Enumerable.Range(4, 8).Select(Failing)];
        FailoverAnalysis.RecoverySeconds(never, 3.5, Threshold).Should().BeNull();

        // Fewer than five seconds left, all good to the window's end: recovered.
        TimelinePoint[] late = [.. Enumerable.Range(0, 4).Select(Good), Failing(4), Failing(5), Good(6), Good(7)];
        FailoverAnalysis.RecoverySeconds(late, 3.5, Threshold).Should().Be(2.5);

        FailoverAnalysis.Threshold(5).Should().Be(55, "50 ms above a small p99");
        FailoverAnalysis.Threshold(80).Should().Be(160, "twice a large one");
    }

    [Fact]
    public void Rotated_tenants_are_spread_over_popularity_and_more_than_the_spread_are_filled_in()
    {
        ScenarioRunner.RotationRanks(1000, 10).Should().Equal(2, 4, 7, 11, 16, 22, 29, 37, 46, 56);
        ScenarioRunner.RotationRanks(1000, 60).Should().HaveCount(60).And.OnlyHaveUniqueItems().And.OnlyContain(r => r >= 0 && r < 1000);
        ScenarioRunner.RotationRanks(30, 30).Should().BeEquivalentTo(Enumerable.Range(0, 30));
    }

    [Fact]
    public void Churn_groups_take_turns_and_zipf_favours_low_ranks()
    {
        var churn = new ChurnPattern(4, 12);
        Enumerable.Range(0, 4).Count(g => churn.IsActive(g, 5)).Should().Be(2);
        churn.IsActive(0, 5).Should().BeTrue();
        churn.IsActive(0, 30).Should().BeFalse();
        churn.IsActive(0, 50).Should().BeTrue("the group comes back after being idle");

        var zipf = new Zipf(100, 1);
        zipf.Probability(0).Should().BeGreaterThan(zipf.Probability(1));
        Enumerable.Range(0, 100).Sum(zipf.Probability).Should().BeApproximately(1, 1e-9);
        var random = new Random(1);
        Enumerable.Range(0, 1000).Select(_ => zipf.Sample(random)).Should().OnlyContain(r => r >= 0 && r < 100);
    }

    public void Dispose() => _directory.Dispose();

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_directory.Path, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>A statement as the server logs it (log_statement = 'all', the load tester's log_line_prefix), at 03:04:<paramref name="time"/> UTC.</summary>
    private static string Logged(string time, int pid, string role, string sql) => $"2026-01-02 03:04:{time} UTC [{pid}] {role}@db LOG:  execute <unnamed>: {sql}";

    /// <summary>The statement that opens a unit of work.</summary>
    private static string Opens(string time, int pid, string role) =>
        Logged(time, pid, role, "SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)");

    private static string Activated(string tenant, double seconds) =>
        Entry(seconds, $"Tenant {tenant} activated (shared on database lt-shared-0)", $"\"TenantId\":\"{tenant}\",\"Mode\":\"shared\"");

    private static string Deactivated(string tenant, double seconds, string reason) =>
        Entry(seconds, $"Tenant {tenant} deactivated ({reason})", $"\"TenantId\":\"{tenant}\",\"Reason\":\"{reason}\"");

    private static string Entry(double seconds, string message, string state) =>
        $"{{\"Timestamp\":\"{T0.AddSeconds(seconds):yyyy-MM-ddTHH:mm:ss.fffZ}\",\"EventId\":1,\"LogLevel\":\"Information\",\"Category\":\"OrleansTenants.Grains.Tenants.TenantGrain\",\"Message\":\"{message}\",\"State\":{{{state}}}}}";
}
