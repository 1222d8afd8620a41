using OrleansTenants.LoadTester.Monitoring;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>The rotate scenario's figures: stale requests from the statement log, the sampler's cross-check, the design's implied window.</summary>
internal sealed partial class ScenarioRunner
{
    private RotationResult RotationResult(
        DesignHost host,
        ScenarioDefinition scenario,
        IReadOnlyList<RotationTarget> rotation,
        IReadOnlyDictionary<string, DateTimeOffset> rotatedAt,
        double? rotationT,
        double observedUntil,
        double adminCallMs,
        long logOffset,
        OldRoleSampling sampling,
        LoadDriver driver)
    {
        Dictionary<string, RoleStatements>? statements = null;
        var method = "sampling pg_stat_activity every 250 ms (a lower bound)";
        if (context.StatementLogReady && context.PostgresLogFile is { } file && rotatedAt.Count == rotation.Count)
        {
            statements = StatementLog.Count(file, logOffset, rotatedAt);
            method = "the server's statement log (log_statement = 'all' on each old role), cross-checked by sampling pg_stat_activity every 250 ms";
        }

        var last = statements?.Values.Where(s => s.Last is not null).Select(s => s.Last!.Value).DefaultIfEmpty().Max();
        var lastAfter = last is { } l && l != default
            ? rotation.Where(r => statements![r.OldRole].Last == l).Select(r => (l - rotatedAt[r.OldRole]).TotalSeconds).FirstOrDefault()
            : (double?)null;
        var (impliedSeconds, impliedWhy) = host.StaleSettingsExposure;
        return new RotationResult(
            rotation.Count,
            rotationT is { } t ? Math.Round(t, 2) : null,
            Math.Round(adminCallMs, 1),
            method,
            statements?.Values.Sum(s => s.Units),
            statements?.Values.Sum(s => s.Reads),
            statements?.Values.Sum(s => s.Statements),
            lastAfter is { } after ? Math.Round(Math.Max(0, after), 3) : null,
            rotationT is { } returnedAt ? Math.Round(Math.Max(0, observedUntil - returnedAt), 1) : null,
            impliedSeconds,
            impliedWhy,
            sampling.StaleStatements,
            sampling.OpenAtEnd,
            sampling.GoneAt is { } gone && rotatedAt.Count > 0 ? Math.Round((gone - rotatedAt.Values.Max()).TotalSeconds, 2) : null,
            rotation.Sum(r => driver.CallsAfterMark(r.TenantIndex)),
            [
                .. rotation.Select(r => new RotatedTenant(
                    r.Tenant.Id,
                    r.Tenant.Mode,
                    r.OldRole,
                    r.NewRole,
                    rotatedAt.TryGetValue(r.OldRole, out var at) ? at : null,
                    statements?[r.OldRole].Units,
                    statements?[r.OldRole].Statements,
                    driver.CallsAfterMark(r.TenantIndex))),
            ],
            host.Explain(scenario) + " " + RotationExplanation);
    }

    private const string RotationExplanation =
        "Each rotated tenant runs, before the run, on a login role of its own whose statements the server logs (log_statement = 'all' set on that role only); halfway through it is rotated to a new role. " +
        "Counted, by the timestamps the server logged (ms): requests (units of work, each opening with set_config('app.tenant_id', ...)) of the old role with any statement from the millisecond the rotation call for that tenant returned in on (in doubt, stale), " +
        "those of them that wrote nothing (reads), and every statement of the old role from that moment on.";
}
