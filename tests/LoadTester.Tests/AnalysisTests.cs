using FluentAssertions;
using OrleansTenants.LoadTester.Monitoring;
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
            Activated("t1", 0), Deactivated("t1", 10, "IdleCollection"),
            Activated("t2", 0),
            Activated("t3", 1));
        var b = Write("silo-2.log",
            Activated("t1", 11),
            Activated("t2", 5),
            "{\"Timestamp\":\"2026-01-02T03:04:09.000Z\",\"Category\":\"OrleansTenants.Grains.Tenants.TenantGrain\",\"Mess",
            Activated("t3", 30));

        // silo-1 was killed at 20 s: its t3 ends there, before silo-2 activates t3 at 30 s; t2 overlaps (5 s on both).
        var analysis = ActivationLog.Analyze([new SiloLog("silo-1", a, T0.AddSeconds(20)), new SiloLog("silo-2", b, null)], T0, T0.AddSeconds(60));

        analysis.Activations.Should().Be(6);
        analysis.Deactivations.Should().Be(1);
        analysis.IdleCollectionsInWindow.Should().Be(1);
        analysis.Duplicates.Should().Be(1);
        analysis.DuplicateExamples.Should().ContainSingle().Which.Should().StartWith("t2:");
    }

    [Fact]
    public void Statements_of_the_old_roles_are_counted_after_their_rotation_only()
    {
        var log = Write("postgres.log",
            "2026-01-02 03:04:01.000 UTC [11] old_a@db LOG:  execute <unnamed>: SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)",
            "2026-01-02 03:04:01.001 UTC [11] old_a@db LOG:  execute <unnamed>: SELECT a.id FROM crm.accounts a",
            "2026-01-02 03:04:01.001 UTC [11] old_a@db DETAIL:  parameters: $1 = 'lt-0001'",
            "2026-01-02 03:04:05.000 UTC [11] old_a@db LOG:  execute <unnamed>: SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)",
            "2026-01-02 03:04:05.002 UTC [11] old_a@db LOG:  execute <unnamed>: SELECT a.id",
            "  FROM crm.accounts a",
            "2026-01-02 03:04:05.010 UTC [12] old_b@db LOG:  execute <unnamed>: SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)",
            "2026-01-02 03:04:05.011 UTC [12] old_b@db LOG:  execute <unnamed>: INSERT INTO crm.notes (tenant_id, body) VALUES ($1, $2)",
            "2026-01-02 03:04:06.000 UTC [13] other@db LOG:  execute <unnamed>: SELECT set_config('app.tenant_id', $1, true)");

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

    private static string Activated(string tenant, double seconds) =>
        Entry(seconds, $"Tenant {tenant} activated (shared on database lt-shared-0)", $"\"TenantId\":\"{tenant}\",\"Mode\":\"shared\"");

    private static string Deactivated(string tenant, double seconds, string reason) =>
        Entry(seconds, $"Tenant {tenant} deactivated ({reason})", $"\"TenantId\":\"{tenant}\",\"Reason\":\"{reason}\"");

    private static string Entry(double seconds, string message, string state) =>
        $"{{\"Timestamp\":\"{T0.AddSeconds(seconds):yyyy-MM-ddTHH:mm:ss.fffZ}\",\"EventId\":1,\"LogLevel\":\"Information\",\"Category\":\"OrleansTenants.Grains.Tenants.TenantGrain\",\"Message\":\"{message}\",\"State\":{{{state}}}}}";
}
