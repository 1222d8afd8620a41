using OrleansTenants.LoadTester.Monitoring;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>
/// The failover figures from a run's per-second timeline and its errors. Time to recover: from the kill to the first
/// second (the kill's own second on) from which on <see cref="StableSeconds"/> consecutive seconds, or every second to
/// the window's end if fewer remain, each had successful requests, no error and a p99 within the threshold:
/// max(2 × the median per-second p99 before the kill, that p99 + 50 ms). A late isolated slow or failing second
/// after such a run does not move it; without such a run it did not recover within the window (null).
/// </summary>
internal static class FailoverAnalysis
{
    public const int StableSeconds = 5;

    public const string RecoveryRule =
        "from the kill to the first second from which on 5 consecutive seconds (or every second to the window's end, if fewer remain) each had successful requests, " +
        "no error and a p99 at most max(2 × the median per-second p99 before the kill, that p99 + 50 ms); a later isolated slow or failing second does not move it";

    public static FailoverResult Analyze(
        (string Node, double T) kill,
        IReadOnlyList<TimelinePoint> timeline,
        IEnumerable<ErrorEvent> errors,
        ActivationAnalysis? analysis,
        AcknowledgedWriteCheck? acknowledgedWrites)
    {
        var after = errors.Where(e => e.T >= kill.T).ToList();
        var before = timeline.Where(p => p.T >= 1 && p.T + 1 <= kill.T && p.Ok > 0).Select(p => p.P99).Order().ToList();
        double? normalP99 = before.Count == 0 ? null : before[before.Count / 2];
        double? threshold = normalP99 is { } normal ? Threshold(normal) : null;
        var onKilled = after.Where(e => e.Target == kill.Node).ToList();
        var onLive = after.Where(e => e.Target != kill.Node).ToList();
        return new FailoverResult(
            kill.Node,
            Math.Round(kill.T, 2),
            after.Count,
            onKilled.Count,
            onLive.Count,
            onLive.GroupBy(e => e.Status).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal),
            after.Count == 0 ? null : Math.Round(after.Max(e => e.T) - kill.T, 2),
            onLive.Count == 0 ? null : Math.Round(onLive.Max(e => e.T) - kill.T, 2),
            timeline.Count > 0 && timeline[^1].Errors > 0,
            normalP99,
            threshold is { } t ? Math.Round(t, 3) : null,
            threshold is { } limit ? RecoverySeconds(timeline, kill.T, limit) : null,
            timeline.Where(p => p.T + 1 > kill.T).Sum(p => p.Slow),
            analysis?.Duplicates,
            analysis?.Activations,
            analysis is null
                ? "not applicable: the baselines have no activations"
                : "overlapping activation intervals of one tenant on two silos, from the silos' own activation and deactivation log lines (an activation on the killed silo ends at the kill; one still open on a live silo lasts until the analysis)",
            acknowledgedWrites);
    }

    /// <summary>The p99 a second may have and still count as recovered.</summary>
    public static double Threshold(double p99BeforeKill) => Math.Max(2 * p99BeforeKill, p99BeforeKill + 50);

    /// <summary>Seconds from the kill to recovery by the rule above; null when it did not recover within the timeline.</summary>
    public static double? RecoverySeconds(IReadOnlyList<TimelinePoint> timeline, double killT, double thresholdMs)
    {
        var after = timeline.Where(p => p.T + 1 > killT).ToList();
        bool Good(TimelinePoint p) => p.Ok > 0 && p.Errors == 0 && p.P99 <= thresholdMs;
        for (var i = 0; i < after.Count; i++)
        {
            if (after.Skip(i).Take(StableSeconds).All(Good))
            {
                return Math.Round(Math.Max(0, after[i].T - killT), 2);
            }
        }

        return null;
    }
}
