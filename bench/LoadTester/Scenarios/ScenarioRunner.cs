using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansTenants.LoadTester.Monitoring;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>What every run shares.</summary>
internal sealed record RunContext(
    RunSettings Settings,
    IReadOnlyList<LoadTenant> Tenants,
    HttpClient LoadHttp,
    HttpMessageHandler Handler,
    string CatalogConnectionString,
    string? PostgresLogFile,
    RotationSetup Rotation,
    bool StatementLogReady,
    TextWriter Log);

/// <summary>
/// One design's run of one scenario: start the design's processes, do what the scenario does before the run (rotation
/// roles, the cold burst, a warming pass), drive the workload for warm-up plus duration while sampling connections
/// and (grain) activations, do the scenario's mid-run action (kill, rotation), stop the processes, analyze.
/// </summary>
internal sealed class ScenarioRunner(RunContext context)
{
    private static readonly int[] RotationRanks = [2, 4, 7, 11, 16, 22, 29, 37, 46, 56, 67, 79, 92, 106, 121, 137, 154, 172, 191, 211];

    public async Task<DesignRun> RunAsync(ScenarioDefinition scenario, DesignHost host, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var log = context.Log;
        var notes = new List<string>();
        var plan = new WorkloadPlan(context.Tenants, settings.ZipfExponent, settings.ReadRatio, settings.Seed, scenario.Churn);
        var options = new DriveOptions(
            settings.WarmupSeconds, settings.DurationSeconds, settings.Concurrency, settings.ArrivalRate, settings.RequestTimeout, settings.Seed,
            ReturningAfterSeconds: 12);
        log.WriteLine();
        log.WriteLine($"== {scenario.Name} / {host.Name}");

        IReadOnlyList<RotationTarget> rotation = [];
        long logOffset = 0;
        if (scenario.Rotate)
        {
            var chosen = RotationRanks.Where(r => r < context.Tenants.Count).Take(settings.RotatedTenants)
                .Select(rank => (plan.TenantAtRank(rank), context.Tenants[plan.TenantAtRank(rank)])).ToList();
            rotation = await context.Rotation.PrepareAsync(host.Name, chosen, cancellationToken);
            logOffset = context.PostgresLogFile is { } file && File.Exists(file) ? new FileInfo(file).Length : 0;
            log.WriteLine($"  {rotation.Count} tenants given logged roles of their own: {string.Join(", ", rotation.Select(r => r.Tenant.Id))}");
        }

        var targets = await host.StartAsync(scenario, cancellationToken);
        try
        {
            await using var pool = new TargetPool(targets, context.Handler);
            BurstResult? burst = null;
            if (scenario.Burst || scenario.Prewarm)
            {
                var pre = new LoadDriver(context.LoadHttp, pool, plan, options);
                var concurrency = scenario.Burst ? settings.BurstConcurrency : Math.Min(32, settings.BurstConcurrency);
                var (seconds, latency, burstStatus) = await pre.BurstAsync(concurrency, cancellationToken);
                var errors = burstStatus.Where(kv => !ReportWriter.IsSuccess(kv.Key)).Sum(kv => kv.Value);
                log.WriteLine($"  {(scenario.Burst ? "cold burst" : "warming pass")}: one call to each of {context.Tenants.Count} tenants, {concurrency} at once, {seconds:0.0} s, p99 {latency.QuantileMs(0.99):0.0} ms, {errors} errors");
                if (scenario.Burst)
                {
                    burst = new BurstResult(context.Tenants.Count, concurrency, Math.Round(seconds, 3), latency.Summary(), errors, burstStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal));
                }
            }

            var driver = new LoadDriver(context.LoadHttp, pool, plan, options);
            var recorder = driver.Recorder;
            var wallAtStart = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(-recorder.SecondsAt(Stopwatch.GetTimestamp()));
            var events = new ConcurrentQueue<EventMarker>();
            await using var connections = new ConnectionSampler(context.CatalogConnectionString, () => recorder.SecondsAt(Stopwatch.GetTimestamp()));
            connections.Start(TimeSpan.FromSeconds(1));
            await using var cpu = new HostCpuSampler(() => recorder.SecondsAt(Stopwatch.GetTimestamp()));
            cpu.Start();
            var activations = new List<ActivationSample>();
            using var stopMonitors = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var activationLoop = host is GrainDesignHost ? SampleActivationsAsync(host, recorder, activations, stopMonitors.Token) : Task.CompletedTask;
            var progress = driver.ReportProgressAsync($"{scenario.Name}/{host.Name}", Console.Out, stopMonitors.Token);

            (string Node, double T)? killed = null;
            var rotatedAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            double? rotationT = null;
            var adminCallMs = 0.0;
            var sampling = rotation.Count > 0 ? context.Rotation.SampleAsync(rotation, () => rotatedAt, stopMonitors.Token) : Task.FromResult(new OldRoleSampling());
            var action = Task.CompletedTask;
            if (scenario.Failover)
            {
                action = AtAsync(recorder, settings.DurationSeconds / 3, async () =>
                {
                    var before = Stopwatch.GetTimestamp();
                    var (node, _) = await host.KillOneAsync();
                    var t = recorder.SecondsAt(before);
                    killed = (node, t);
                    events.Enqueue(new EventMarker(Math.Round(t, 2), "kill -9 " + node));
                }, cancellationToken);
            }
            else if (rotation.Count > 0)
            {
                action = AtAsync(recorder, settings.DurationSeconds / 2, async () =>
                {
                    var clock = Stopwatch.StartNew();
                    var returned = await host.RotateAsync([.. rotation.Select(r => (r.Tenant.Id, r.NewConnectionString))], cancellationToken);
                    adminCallMs = clock.Elapsed.TotalMilliseconds;
                    driver.Mark();
                    for (var i = 0; i < rotation.Count; i++)
                    {
                        rotatedAt[rotation[i].OldRole] = returned[i];
                    }

                    rotationT = recorder.SecondsAt(Stopwatch.GetTimestamp());
                    events.Enqueue(new EventMarker(Math.Round(rotationT.Value, 2), "rotation returned"));
                }, cancellationToken);
            }

            await driver.RunAsync(cancellationToken);
            await action;
            await Task.Delay(1500, cancellationToken); // A last connection sample; the server's log flushed.
            await stopMonitors.CancelAsync();
            await Task.WhenAll(activationLoop, progress);
            var oldRoles = await sampling;

            var ok = recorder.Total.Count;
            var byStatus = recorder.ByStatus();
            var errorCount = byStatus.Where(kv => !ReportWriter.IsSuccess(kv.Key)).Sum(kv => kv.Value);
            var samples = connections.Samples;
            notes.AddRange(await DescribeAsync(host, cancellationToken));

            ActivationAnalysis? analysis = null;
            if (host is GrainDesignHost)
            {
                analysis = ActivationLog.Analyze(host.SiloLogs, wallAtStart, wallAtStart + TimeSpan.FromSeconds(settings.DurationSeconds));
                notes.Add($"silo logs: {analysis.Activations:N0} tenant activations in this run ({analysis.ActivationsInWindow:N0} in the measured window), {analysis.Deactivations:N0} deactivations, {analysis.Duplicates} overlapping activations of one tenant on two silos");
                notes.AddRange(analysis.DuplicateExamples.Select(e => "overlap: " + e));
            }

            var result = new DesignRun(
                host.Name,
                scenario.Name,
                settings.DurationSeconds,
                ok + errorCount,
                ok,
                errorCount,
                Math.Round(ok / settings.DurationSeconds, 1),
                recorder.Total.Summary(),
                byStatus,
                recorder.ErrorSamples(),
                recorder.Timeline(),
                ConnectionSampler.Summarize(samples, host.Name, 0, settings.DurationSeconds),
                samples,
                host is GrainDesignHost ? activations : null,
                [.. events.OrderBy(e => e.T)],
                burst,
                scenario.Churn is { } churn ? new ChurnResult(churn.ActiveSeconds, churn.Groups, driver.Returning.Count, driver.Returning.Summary(), driver.NotReturning.Summary(), analysis?.ActivationsInWindow, analysis?.IdleCollectionsInWindow) : null,
                rotation.Count > 0 ? RotationResult(host, scenario, rotation, rotatedAt, rotationT, adminCallMs, logOffset, oldRoles, driver) : null,
                scenario.Failover ? FailoverResult(killed, recorder, analysis) : null,
                cpu.Summarize(0, settings.DurationSeconds),
                notes);
            log.WriteLine($"  {result.Throughput:0} req/s, p50 {result.Latency.P50:0.0} ms, p99 {result.Latency.P99:0.0} ms, {result.Errors} errors, design connections peak {result.Connections.PeakDesign} (data {result.Connections.PeakDesignData})" +
                (result.Cpu is { } c ? $", CPU {c.BusyPercent:0} % busy ({c.OthersPercent:0} % other programs)" : ""));
            return result;
        }
        finally
        {
            await host.StopAsync();
            if (rotation.Count > 0)
            {
                await context.Rotation.CleanupAsync(rotation, CancellationToken.None);
            }
        }
    }

    private RotationResult RotationResult(
        DesignHost host,
        ScenarioDefinition scenario,
        IReadOnlyList<RotationTarget> rotation,
        IReadOnlyDictionary<string, DateTimeOffset> rotatedAt,
        double? rotationT,
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
        return new RotationResult(
            rotation.Count,
            Math.Round(rotationT ?? -1, 2),
            Math.Round(adminCallMs, 1),
            method,
            statements?.Values.Sum(s => s.Units),
            statements?.Values.Sum(s => s.Reads),
            statements?.Values.Sum(s => s.Statements),
            lastAfter is { } after ? Math.Round(after, 3) : null,
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
        "Counted, by the timestamps the server logged (ms): requests (units of work, each opening with set_config('app.tenant_id', ...)) that the old role started after the rotation call for that tenant returned, those of them that wrote nothing (reads), and every statement of the old role after that moment.";

    private static FailoverResult? FailoverResult((string Node, double T)? killed, RunRecorder recorder, ActivationAnalysis? analysis)
    {
        if (killed is not { } kill)
        {
            return null;
        }

        var after = recorder.ErrorEvents.Where(e => e.T >= kill.T).ToList();
        var timeline = recorder.Timeline();
        var before = timeline.Where(p => p.T >= 1 && p.T + 1 <= kill.T && p.Ok > 0).Select(p => p.P99).Order().ToList();
        var normalP99 = before.Count == 0 ? (double?)null : before[before.Count / 2];
        double? latencyRecovery = null;
        if (normalP99 is { } normal)
        {
            // The first second after the kill from which on no second has errors or a p99 above twice the usual.
            var limit = Math.Max(2 * normal, normal + 50);
            var bad = timeline.Where(p => p.T + 1 > kill.T && (p.Errors > 0 || p.P99 > limit)).Select(p => p.T).DefaultIfEmpty(double.NaN).Max();
            latencyRecovery = double.IsNaN(bad) ? 0 : Math.Round(Math.Max(0, bad + 1 - kill.T), 2);
        }

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
            normalP99,
            latencyRecovery,
            timeline.Where(p => p.T + 1 > kill.T).Sum(p => p.Slow),
            analysis?.Duplicates,
            analysis?.Activations,
            analysis is null
                ? "not applicable: the baselines have no activations"
                : "overlapping activation intervals of one tenant on two silos, from the silos' own activation and deactivation log lines (an activation on the killed silo ends at the kill)");
    }

    private static async Task AtAsync(RunRecorder recorder, double secondsIntoWindow, Func<Task> action, CancellationToken cancellationToken)
    {
        var wait = secondsIntoWindow - recorder.SecondsAt(Stopwatch.GetTimestamp());
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken);
        }

        await action();
    }

    private static async Task SampleActivationsAsync(DesignHost host, RunRecorder recorder, List<ActivationSample> samples, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var t = recorder.SecondsAt(Stopwatch.GetTimestamp());
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(2));
            var view = await host.GetClusterAsync(attempt.Token);
            if (view is not null)
            {
                samples.Add(new ActivationSample(Math.Round(t, 2), view.Silos.Where(s => s.Status == "active").ToDictionary(s => s.Name, s => s.Activations, StringComparer.Ordinal)));
            }

            try
            {
                await Task.Delay(1000, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static async Task<IReadOnlyList<string>> DescribeAsync(DesignHost host, CancellationToken cancellationToken)
    {
        try
        {
            return await host.DescribeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return [$"could not read the processes' own counters: {ex.Message}"];
        }
    }
}
