using System.Globalization;
using System.Text;
using OrleansTenants.LoadTester.Scenarios;

namespace OrleansTenants.LoadTester.Reporting;

/// <summary>Per design, what a scenario measured beyond throughput and latency: rotation, failover, burst, churn, notes.</summary>
public static partial class ReportWriter
{
    /// <summary>The rotate scenario's designs side by side: the stale-settings window each one's rules allow, what was seen of it, connections.</summary>
    private static void StaleWindows(StringBuilder html, IReadOnlyList<DesignRun> runs)
    {
        if (!runs.Any(r => r.Rotation is not null))
        {
            return;
        }

        html.Append("<h3>Stale-settings window by design</h3><table><tr><th class=\"l\">design</th><th class=\"l\">implied by the design's rules</th>");
        html.Append("<th class=\"l\">observed (last old-credential statement after the call)</th><th>stale requests</th><th>design DB connections peak (data)</th></tr>");
        foreach (var run in runs.Where(r => r.Rotation is not null))
        {
            var rotation = run.Rotation!;
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(run.Design)}</td><td class=\"l\">{E(Implied(rotation))}</td><td class=\"l\">{E(Observed(rotation))}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td class=\"{(rotation.StaleUnits is 0 ? "good" : "bad")}\">{(rotation.StaleUnits is { } u ? u.ToString("N0", CultureInfo.InvariantCulture) : "not measured")}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{run.Connections.PeakDesign} ({run.Connections.PeakDesignData})</td></tr>");
        }

        html.Append("</table><p class=\"desc\">Implied: how long the design's own rules let a process go on with a tenant's old settings after they were replaced. ");
        html.Append("Observed: only the rest of the run after the call was watched (until the statement log was read), so it is a lower bound of the real window.</p>");
    }

    private static string Implied(RotationResult rotation) =>
        (rotation.ImpliedStaleWindowSeconds switch
        {
            null => "unbounded",
            >= 3600 and var h => $"{h / 3600:0.#} h",
            >= 60 and var m => $"{m / 60:0.#} min",
            { } s => $"{s:0.#} s",
        }) + ": " + rotation.ImpliedStaleWindow;

    private static string Observed(RotationResult rotation)
    {
        var within = rotation.ObservedForSeconds is { } n ? $"observed within the remaining {n:0} s of the run, lower bound" : "observed while the run lasted, lower bound";
        return rotation.LastStaleAfterSeconds is { } last
            ? $"{last:0.000} s ({within})"
            : rotation.StaleUnits is null ? $"not measured by the statement log ({within})" : $"none ({within})";
    }

    private static void Details(StringBuilder html, DesignRun run)
    {
        if (run.Rotation is { } rotation)
        {
            RotationDetails(html, run.Design, rotation);
        }

        if (run.Failover is { } failover)
        {
            FailoverDetails(html, run.Design, failover);
        }

        if (run.Burst is { } b)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{E(run.Design)}: cold burst</h3><table>");
            Row(html, "first calls", $"{b.Tenants:N0} tenants, {b.Concurrency} at once, all done in {b.Seconds:0.00} s");
            Row(html, "first-call latency", $"p50 {N(b.Latency.P50)} ms, p90 {N(b.Latency.P90)} ms, p99 {N(b.Latency.P99)} ms, max {N(b.Latency.Max)} ms");
            Row(html, "first-call results", string.Join(", ", b.ByStatus.Select(kv => $"{kv.Key}: {kv.Value:N0}")));
            Row(html, "design DB connections at their peak during the burst", b.PeakDesignConnections is { } peak ? $"{peak} (sampled each second; in the connections chart before second 0)" : "not sampled");
            html.Append("</table>");
        }

        if (run.Churn is { } c)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{E(run.Design)}: churn</h3><table>");
            Row(html, "pattern", $"tenants in {c.Groups} groups; each group is called for {c.ActiveSeconds:0} s, then left idle for {c.ActiveSeconds * (c.Groups - 2):0} s");
            Row(html, "calls to a tenant idle for longer than the collection age", $"{c.ReturningCalls:N0}: p50 {N(c.ReturningLatency.P50)} ms, p99 {N(c.ReturningLatency.P99)} ms");
            Row(html, "other calls", $"p50 {N(c.OtherLatency.P50)} ms, p99 {N(c.OtherLatency.P99)} ms");
            if (c.Activations is { } a)
            {
                Row(html, "activations / idle collections in the window (silo logs)", $"{a:N0} / {c.IdleCollections:N0}");
            }

            html.Append("</table>");
        }

        if (run.ErrorSamples.Count > 0 || run.Notes.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{E(run.Design)}: notes</h3><ul>");
            foreach (var note in run.Notes)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li class=\"note\">{E(note)}</li>");
            }

            foreach (var (status, sample) in run.ErrorSamples)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>first <code>{E(status)}</code>: {E(sample)}</li>");
            }

            html.Append("</ul>");
        }
    }

    private static void RotationDetails(StringBuilder html, string design, RotationResult rotation)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h3>{E(design)}: credential rotation</h3><p class=\"desc\">{E(rotation.Explanation)}</p><table>");
        Row(html, "tenants rotated", rotation.TenantsRotated.ToString(CultureInfo.InvariantCulture));
        Row(html, "admin call returned at", rotation.RotatedAt is { } at ? $"{at:0.0} s (took {rotation.AdminCallMs:0} ms for all tenants)" : "it did not return");
        Row(html, "requests to rotated tenants after it", rotation.RequestsToRotatedAfter.ToString("N0", CultureInfo.InvariantCulture));
        Row(html, "served with the old credentials after it (statement log)", rotation.StaleUnits is { } s ? $"{s:N0} requests, {rotation.StaleReads:N0} of them reads; {rotation.StaleStatements:N0} statements in all" : "not measured");
        Row(html, "stale-settings window implied by the design's rules", Implied(rotation));
        Row(html, "stale-settings window observed (last old-credential statement after the call)", Observed(rotation));
        Row(html, "old-credential statements seen by sampling pg_stat_activity", rotation.SampledStaleBackends.ToString(CultureInfo.InvariantCulture));
        Row(html, "old-credential sessions open at the end", rotation.OldRoleSessionsAtEnd.ToString(CultureInfo.InvariantCulture));
        Row(html, "measured by", rotation.Method);
        html.Append("</table><table><tr><th class=\"l\">tenant</th><th class=\"l\">mode</th><th class=\"l\">old role</th><th class=\"l\">new role</th><th class=\"l\">call returned (UTC)</th><th>requests after</th><th>stale requests</th><th>old-role statements after</th></tr>");
        foreach (var t in rotation.Tenants)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(t.Tenant)}</td><td class=\"l\">{E(t.Mode)}</td><td class=\"l\">{E(t.OldRole)}</td><td class=\"l\">{E(t.NewRole)}</td><td class=\"l\">{t.RotatedAt:HH:mm:ss.fff}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{t.RequestsAfter:N0}</td><td>{(t.StaleUnits is { } u ? u.ToString("N0", CultureInfo.InvariantCulture) : "—")}</td><td>{(t.StaleStatements is { } st ? st.ToString("N0", CultureInfo.InvariantCulture) : "—")}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void FailoverDetails(StringBuilder html, string design, FailoverResult f)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h3>{E(design)}: failover</h3><table>");
        Row(html, "killed (SIGKILL)", $"{f.Killed} at {f.KilledAt:0.0} s");
        Row(html, "errors after the kill", $"{f.ErrorsAfterKill:N0}: {f.ErrorsOnKilledTarget:N0} on the killed node's own endpoint (in flight, or before the client stopped using it), {f.ErrorsOnLiveTargets:N0} through live nodes");
        Row(html, "errors through live nodes by status", f.LiveErrorsByStatus.Count == 0 ? "none" : string.Join(", ", f.LiveErrorsByStatus.Select(kv => $"{kv.Key}: {kv.Value:N0}")));
        Row(html, "errors stop (last error after the kill)", f.RecoverySeconds is { } r ? $"{r:0.00} s after it{(f.ErrorsAtWindowEnd ? "; errors went on to the end of the window" : "")}" : "no errors");
        Row(html, "errors through live nodes stop", f.LiveRecoverySeconds is { } lr ? $"{lr:0.00} s after it" : "no errors");
        Row(html, "time to recover (errors and latency)", RecoveryText(f) + (f.P99BeforeKill is null ? "" : $": {FailoverAnalysis.RecoveryRule} (p99 before the kill {N(f.P99BeforeKill.Value)} ms, threshold {N(f.RecoveryThresholdMs ?? 0)} ms)"));
        Row(html, "requests slower than 1 s after the kill", f.SlowRequestsAfterKill.ToString("N0", CultureInfo.InvariantCulture));
        Row(html, "duplicate activations", f.DuplicateActivations is { } d ? $"{d} (of {f.ActivationsChecked:N0} activations checked)" : "not applicable");
        Row(html, "duplicates measured by", f.DuplicateMethod);
        Row(html, "writes the server acknowledged (note creates answered 2xx), read back after the run", f.AcknowledgedWrites is { } w
            ? $"{w.Acknowledged:N0}: {w.Present:N0} present, {w.Missing:N0} missing (unverified {w.Unverified:N0})"
            : "not checked");
        if (f.AcknowledgedWrites is not null)
        {
            Row(html, "acknowledged writes read back by", AcknowledgedWriteVerifier.Method);
        }

        html.Append("</table>");
    }

    /// <summary>The acknowledged-writes check as a short phrase, for the headline and the console.</summary>
    internal static string AcknowledgedWritesText(FailoverResult failover) => failover.AcknowledgedWrites is { } w
        ? $"acknowledged writes: {w.Acknowledged:N0}, missing {w.Missing:N0} (unverified {w.Unverified:N0})"
        : "acknowledged writes not checked";

    /// <summary>The time to recover as a short phrase: seconds, not recovered within the window, or not measured.</summary>
    internal static string RecoveryText(FailoverResult failover) => failover switch
    {
        { LatencyRecoverySeconds: { } seconds } => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        { P99BeforeKill: null } => "not measured (no second before the kill to compare with)",
        _ => "not recovered within the window",
    };
}
