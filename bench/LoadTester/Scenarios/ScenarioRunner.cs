using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using OrleansTenants.Bench;
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
/// One design's run of one scenario: do what the scenario does before the run (rotation roles), start the design's
/// processes, the cold burst or a warming pass, drive the workload for warm-up plus duration while sampling connections
/// and (grain) activations, do the scenario's mid-run action (kill, rotation), analyze, then stop the processes and
/// undo the rotation setup, also when any of it fails or is cancelled.
/// </summary>
internal sealed partial class ScenarioRunner(RunContext context)
{
    /// <summary>
    /// The popularity ranks of the tenants to rotate: spread from popular to rare (2, 4, 7, 11, 16, ...: gaps growing by
    /// one), then, when more are asked for than that spread holds, the other ranks in order.
    /// </summary>
    internal static IReadOnlyList<int> RotationRanks(int tenants, int count) =>
    [
        .. Enumerable.Range(1, tenants).Select(k => 1 + (k * (k + 1) / 2)).TakeWhile(rank => rank < tenants)
            .Concat(Enumerable.Range(0, tenants)).Distinct().Take(count),
    ];

    public async Task<DesignRun> RunAsync(ScenarioDefinition scenario, DesignHost host, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var plan = new WorkloadPlan(context.Tenants, settings.ZipfExponent, settings.ReadRatio, settings.Seed, scenario.Churn);
        context.Log.WriteLine();
        context.Log.WriteLine($"== {scenario.Name} / {host.Name}");
        try
        {
            IReadOnlyList<RotationTarget> rotation = [];
            long logOffset = 0;
            if (scenario.Rotate)
            {
                var chosen = RotationRanks(context.Tenants.Count, settings.RotatedTenants).Select(rank => (plan.TenantAtRank(rank), context.Tenants[plan.TenantAtRank(rank)])).ToList();
                rotation = await context.Rotation.PrepareAsync(host.Name, chosen, cancellationToken);
                logOffset = context.PostgresLogFile is { } file && File.Exists(file) ? new FileInfo(file).Length : 0;
                context.Log.WriteLine($"  {rotation.Count} tenants given logged roles of their own: {string.Join(", ", rotation.Select(r => r.Tenant.Id))}");
            }

            var targets = await host.StartAsync(scenario, cancellationToken);
            return await DriveAsync(scenario, host, plan, targets, rotation, logOffset, cancellationToken);
        }
        finally
        {
            await StopAsync(host, scenario.Rotate);
        }
    }

    private async Task<DesignRun> DriveAsync(
        ScenarioDefinition scenario,
        DesignHost host,
        WorkloadPlan plan,
        IReadOnlyList<Target> targets,
        IReadOnlyList<RotationTarget> rotation,
        long logOffset,
        CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var log = context.Log;
        var notes = new List<string>();
        var options = new DriveOptions(
            settings.WarmupSeconds, settings.DurationSeconds, settings.Concurrency, settings.ArrivalRate, settings.RequestTimeout, settings.Seed,
            ReturningAfterSeconds: 12);
        await using var pool = new TargetPool(targets, context.Handler);

        // Started before the cold burst (or warming pass), so that the burst's connections are in the chart.
        await using var connections = new ConnectionSampler(context.CatalogConnectionString);
        connections.Start(TimeSpan.FromSeconds(1));
        var burst = scenario.Burst || scenario.Prewarm ? await BurstAsync(scenario, pool, plan, options, cancellationToken) : null;

        var driver = new LoadDriver(context.LoadHttp, pool, plan, options);
        var recorder = driver.Recorder;
        var wallAtStart = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(-recorder.SecondsAt(Stopwatch.GetTimestamp()));
        var events = new ConcurrentQueue<EventMarker>();
        if (burst is { Result: not null })
        {
            events.Enqueue(new EventMarker(Math.Round(recorder.SecondsAt(burst.Started), 2), "cold burst"));
        }

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
                var node = await host.KillOneAsync();
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
        var observedUntil = recorder.SecondsAt(Stopwatch.GetTimestamp());
        await stopMonitors.CancelAsync();
        await Task.WhenAll(activationLoop, progress);
        var oldRoles = await sampling;

        var ok = recorder.Total.TotalCount;
        var byStatus = recorder.ByStatus();
        var errorCount = byStatus.Where(kv => !ReportWriter.IsSuccess(kv.Key)).Sum(kv => kv.Value);
        var samples = connections.Samples(recorder.SecondsAt);
        notes.AddRange(await DescribeAsync(host, cancellationToken));

        ActivationAnalysis? analysis = null;
        if (host is GrainDesignHost)
        {
            // The silos not killed still run: an activation they log no end of is alive now.
            analysis = ActivationLog.Analyze(host.SiloLogs, wallAtStart, wallAtStart + TimeSpan.FromSeconds(settings.DurationSeconds), DateTimeOffset.UtcNow);
            notes.Add($"silo logs: {analysis.Activations:N0} tenant activations in this run ({analysis.ActivationsInWindow:N0} in the measured window), {analysis.Deactivations:N0} deactivations, {analysis.Duplicates} overlapping activations of one tenant on two silos");
            notes.AddRange(analysis.DuplicateExamples.Select(e => "overlap: " + e));
        }

        // After the activation analysis and the processes' counters, so that the lookups count in neither.
        var acknowledgedWrites = killed is { } dead ? await VerifyAcknowledgedWritesAsync(targets, dead.Node, plan, driver.AcknowledgedNotes, cancellationToken) : null;

        var result = new DesignRun(
            host.Name,
            scenario.Name,
            settings.DurationSeconds,
            ok + errorCount,
            ok,
            errorCount,
            recorder.Dropped,
            Math.Round(ok / settings.DurationSeconds, 1),
            recorder.Total.Summary(),
            byStatus,
            recorder.ErrorSamples(),
            recorder.Timeline(),
            ConnectionSampler.Summarize(samples, host.Name, 0, settings.DurationSeconds),
            samples,
            host is GrainDesignHost ? activations : null,
            [.. events.OrderBy(e => e.T)],
            burst?.Result is { } b ? b with { PeakDesignConnections = PeakDuring(samples, host.Name, recorder.SecondsAt(burst.Started), recorder.SecondsAt(burst.Ended)) } : null,
            scenario.Churn is { } churn ? new ChurnResult(churn.ActiveSeconds, churn.Groups, driver.Returning.TotalCount, driver.Returning.Summary(), driver.NotReturning.Summary(), analysis?.ActivationsInWindow, analysis?.IdleCollectionsInWindow) : null,
            rotation.Count > 0 ? RotationResult(host, scenario, rotation, rotatedAt, rotationT, observedUntil, adminCallMs, logOffset, oldRoles, driver) : null,
            killed is { } kill ? FailoverAnalysis.Analyze(kill, recorder.Timeline(), recorder.ErrorEvents, analysis, acknowledgedWrites) : null,
            cpu.Summarize(0, settings.DurationSeconds),
            notes);
        log.WriteLine($"  {result.Throughput:0} req/s, p50 {result.Latency.P50:0.0} ms, p99 {result.Latency.P99:0.0} ms, {result.Errors} errors, design connections peak {result.Connections.PeakDesign} (data {result.Connections.PeakDesignData})" +
            (result.Dropped > 0 ? $", {result.Dropped} dropped by the client" : "") +
            (result.Cpu is { } c ? $", CPU {c.BusyPercent:0} % busy ({c.OthersPercent:0} % other programs)" : ""));
        return result;
    }

    /// <summary>The cold burst, or the warming pass: one call to each tenant; the result only for the burst.</summary>
    private async Task<BurstRun> BurstAsync(ScenarioDefinition scenario, TargetPool pool, WorkloadPlan plan, DriveOptions options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var concurrency = scenario.Burst ? context.Settings.BurstConcurrency : Math.Min(32, context.Settings.BurstConcurrency);
        var (seconds, latency, byStatus) = await new LoadDriver(context.LoadHttp, pool, plan, options).BurstAsync(concurrency, cancellationToken);
        var errors = byStatus.Where(kv => !ReportWriter.IsSuccess(kv.Key)).Sum(kv => kv.Value);
        context.Log.WriteLine($"  {(scenario.Burst ? "cold burst" : "warming pass")}: one call to each of {context.Tenants.Count} tenants, {concurrency} at once, {seconds:0.0} s, p99 {latency.PercentileMs(99):0.0} ms, {errors} errors");
        var result = scenario.Burst
            ? new BurstResult(context.Tenants.Count, concurrency, Math.Round(seconds, 3), latency.Summary(), errors, byStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal), null)
            : null;
        return new BurstRun(started, Stopwatch.GetTimestamp(), result);
    }

    /// <summary>The design's connections at their peak among the samples from <paramref name="from"/> to a second after <paramref name="to"/>.</summary>
    private static int? PeakDuring(IReadOnlyList<ConnectionSample> samples, string design, double from, double to)
    {
        var during = samples.Where(s => s.T >= from && s.T <= to + 1).Select(s => ReportWriter.DesignTotal(s, design)).ToList();
        return during.Count == 0 ? null : during.Max();
    }

    /// <summary>Stops the design's processes and undoes the rotation setup; a failure to undo it is logged, not thrown over the run's own error.</summary>
    private async Task StopAsync(DesignHost host, bool rotated)
    {
        try
        {
            await host.StopAsync();
        }
        finally
        {
            if (rotated)
            {
                try
                {
                    await context.Rotation.CleanupAsync(CancellationToken.None);
                }
                catch (NpgsqlException ex)
                {
                    context.Log.WriteLine($"  could not undo the rotation setup (the next cleanup tries again): {ex.Message}");
                }
            }
        }
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

/// <summary>When the cold burst (or warming pass) ran, as Stopwatch timestamps, and its figures (the burst only).</summary>
internal sealed record BurstRun(long Started, long Ended, BurstResult? Result);
