using System.Diagnostics;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>The failover scenario's check that every write the server acknowledged is still there after the kill.</summary>
internal sealed partial class ScenarioRunner
{
    private async Task<AcknowledgedWriteCheck> VerifyAcknowledgedWritesAsync(
        IReadOnlyList<Target> targets,
        string killedNode,
        WorkloadPlan plan,
        AcknowledgedNotes notes,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var alive = targets.Where(t => t.Name != killedNode).ToList();
        var check = await AcknowledgedWriteVerifier.VerifyAsync(context.LoadHttp, alive, plan.Tenants, notes, WriteCheckOptions.Default, cancellationToken);
        context.Log.WriteLine(
            $"  acknowledged writes: {check.Acknowledged:N0} note creates read back through {(alive.Count == 0 ? "no live node" : string.Join(", ", alive.Select(t => t.Name)))} " +
            $"in {clock.Elapsed.TotalSeconds:0.0} s: {check.Present:N0} present, {check.Missing:N0} missing, {check.Unverified:N0} unverified");
        return check;
    }
}
