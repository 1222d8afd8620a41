using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using HdrHistogram;
using OrleansTenants.Bench;

namespace OrleansTenants.LoadTester.Workload;

/// <summary>How one run drives its targets.</summary>
internal sealed record DriveOptions(
    double WarmupSeconds,
    double DurationSeconds,
    int Concurrency,
    double? ArrivalRate,
    TimeSpan RequestTimeout,
    int Seed,
    double ReturningAfterSeconds);

/// <summary>
/// Sends the workload's requests to the targets: a closed loop (N callers, each sending its next request when the
/// previous one is answered) or an open loop (a fixed arrival rate, latency measured from each request's scheduled
/// start so that a slow server cannot hide its queue, at most N in flight). Also tracks, per tenant, calls that come
/// after an idle gap (churn) and calls after a given moment (rotation).
/// </summary>
internal sealed class LoadDriver
{
    private static readonly string[] StatusText = [.. Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture))];
    private readonly HttpClient _http;
    private readonly TargetPool _targets;
    private readonly WorkloadPlan _plan;
    private readonly DriveOptions _options;
    private readonly long[] _lastCall;
    private readonly long[] _callsAfterMark;
    private long _mark = long.MaxValue;
    private long _sequence;
    private long _inFlight;

    public LoadDriver(HttpClient http, TargetPool targets, WorkloadPlan plan, DriveOptions options)
    {
        _http = http;
        _targets = targets;
        _plan = plan;
        _options = options;
        _lastCall = new long[plan.Tenants.Count];
        _callsAfterMark = new long[plan.Tenants.Count];
        Recorder = new RunRecorder(Stopwatch.GetTimestamp() + (long)(options.WarmupSeconds * Stopwatch.Frequency), options.WarmupSeconds, options.DurationSeconds);
    }

    public RunRecorder Recorder { get; }

    /// <summary>Latencies of successful calls to a tenant idle for longer than <see cref="DriveOptions.ReturningAfterSeconds"/>, and of the others.</summary>
    public LongConcurrentHistogram Returning { get; } = Latencies.Histogram();

    public LongConcurrentHistogram NotReturning { get; } = Latencies.Histogram();

    /// <summary>The note creates the server answered with 2xx, to be looked up after a failover.</summary>
    public AcknowledgedNotes AcknowledgedNotes { get; } = new();

    public long InFlight => Interlocked.Read(ref _inFlight);

    public long EndTimestamp => Recorder.MeasureStart + (long)(_options.DurationSeconds * Stopwatch.Frequency);

    /// <summary>From now on, count calls per tenant (started after this moment).</summary>
    public void Mark() => Interlocked.Exchange(ref _mark, Stopwatch.GetTimestamp());

    public long CallsAfterMark(int tenant) => Interlocked.Read(ref _callsAfterMark[tenant]);

    public Task RunAsync(CancellationToken cancellationToken) =>
        _options.ArrivalRate is { } rate ? RunOpenAsync(rate, cancellationToken) : RunClosedAsync(cancellationToken);

    /// <summary>One call per tenant, <paramref name="concurrency"/> at once (the cold burst); returns its own figures.</summary>
    public async Task<(double Seconds, LongConcurrentHistogram Latency, Dictionary<string, long> ByStatus)> BurstAsync(int concurrency, CancellationToken cancellationToken)
    {
        var histogram = Latencies.Histogram();
        var byStatus = new Dictionary<string, long>(StringComparer.Ordinal);
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async caller =>
        {
            var random = new Random(_options.Seed * 7919 + caller);
            int tenant;
            while ((tenant = Interlocked.Increment(ref next)) < _plan.Tenants.Count && !cancellationToken.IsCancellationRequested)
            {
                var planned = new PlannedRequest(tenant, Operation.GetAccount, _plan.Tenants[tenant].Accounts.Length > 0 ? _plan.Tenants[tenant].Accounts[random.Next(_plan.Tenants[tenant].Accounts.Length)] : Guid.Empty);
                if (planned.Row == Guid.Empty)
                {
                    planned = planned with { Operation = Operation.ListAccounts };
                }

                var started = Stopwatch.GetTimestamp();
                var (status, ok, _, _) = await SendAsync(planned, cancellationToken);
                var ended = Stopwatch.GetTimestamp();
                Interlocked.Exchange(ref _lastCall[tenant], ended);
                lock (byStatus)
                {
                    byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                }

                if (ok)
                {
                    histogram.RecordLatency(Stopwatch.GetElapsedTime(started, ended));
                }
            }
        }));
        return (clock.Elapsed.TotalSeconds, histogram, byStatus);
    }

    /// <summary>Prints a progress line each second until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task ReportProgressAsync(string label, TextWriter output, CancellationToken cancellationToken)
    {
        var interactive = !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);
        var tick = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(1000, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            tick++;
            var now = Stopwatch.GetTimestamp();
            var elapsed = Recorder.SecondsAt(now);
            var (ok, errors, p50, p99) = Recorder.LastSecond(now);
            var phase = elapsed < 0 ? $"warm-up {-elapsed:0}s left" : $"{Math.Min(elapsed, _options.DurationSeconds):0}/{_options.DurationSeconds:0}s";
            var line = $"{label,-22} {phase,-16} {ok,6} ok/s  p50 {p50,7:0.0} ms  p99 {p99,7:0.0} ms  errors {errors,4}/s ({Recorder.Failed} total)  in flight {InFlight}{(Recorder.Dropped > 0 ? $"  dropped by the client {Recorder.Dropped}" : "")}";
            if (interactive)
            {
                output.Write("\r" + line + "    ");
            }
            else if (tick % 5 == 0)
            {
                output.WriteLine(line);
            }
        }

        if (interactive)
        {
            output.WriteLine();
        }
    }

    private async Task RunClosedAsync(CancellationToken cancellationToken)
    {
        var end = EndTimestamp;
        await Task.WhenAll(Enumerable.Range(0, _options.Concurrency).Select(caller => Task.Run(
            async () =>
            {
                var random = new Random(_options.Seed * 7919 + caller);
                while (!cancellationToken.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    if (started >= end)
                    {
                        return;
                    }

                    var planned = _plan.Next(random, SecondsSinceStart(started));
                    Interlocked.Increment(ref _inFlight);
                    var failed = false;
                    try
                    {
                        failed = !await ExecuteAsync(planned, started, cancellationToken);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _inFlight);
                    }

                    if (failed)
                    {
                        // A failing target must not turn the loop into a busy loop.
                        await Task.Delay(5, CancellationToken.None);
                    }
                }
            },
            CancellationToken.None)));
    }

    private async Task RunOpenAsync(double rate, CancellationToken cancellationToken)
    {
        var end = EndTimestamp;
        var interval = Stopwatch.Frequency / rate;
        var random = new Random(_options.Seed * 7919);
        var running = new List<Task>();
        var scheduled = (double)Stopwatch.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested && scheduled < end)
        {
            var now = Stopwatch.GetTimestamp();
            while (scheduled <= now && scheduled < end)
            {
                var at = (long)scheduled;
                scheduled += interval;
                var planned = _plan.Next(random, SecondsSinceStart(at));
                if (Interlocked.Read(ref _inFlight) >= _options.Concurrency)
                {
                    // The client's own limit: counted apart, not sent.
                    Recorder.RecordDropped(at);
                    continue;
                }

                Interlocked.Increment(ref _inFlight);
                running.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            await ExecuteAsync(planned, at, cancellationToken);
                        }
                        finally
                        {
                            Interlocked.Decrement(ref _inFlight);
                        }
                    },
                    CancellationToken.None));
            }

            if (running.Count > 4096)
            {
                running.RemoveAll(t => t.IsCompleted);
            }

            var wait = (scheduled - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (wait > 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(wait, 50)), CancellationToken.None);
            }
            else
            {
                await Task.Yield();
            }
        }

        await Task.WhenAll(running);
    }

    /// <summary>Sends one planned request and records it; true when it succeeded.</summary>
    private async Task<bool> ExecuteAsync(PlannedRequest planned, long started, CancellationToken cancellationToken)
    {
        var (status, ok, target, detail) = await SendAsync(planned, cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        Recorder.Record(started, ended, status, ok, target, detail);
        var previous = Interlocked.Exchange(ref _lastCall[planned.Tenant], ended);
        if (started >= Interlocked.Read(ref _mark))
        {
            Interlocked.Increment(ref _callsAfterMark[planned.Tenant]);
        }

        if (ok && Recorder.SecondsAt(ended) >= 0 && ended < EndTimestamp)
        {
            var returning = previous != 0 && (double)(started - previous) / Stopwatch.Frequency > _options.ReturningAfterSeconds;
            (returning ? Returning : NotReturning).RecordLatency(Stopwatch.GetElapsedTime(started, ended));
        }

        return ok;
    }

    private async Task<(string Status, bool Ok, Target? Target, string? Detail)> SendAsync(PlannedRequest planned, CancellationToken cancellationToken)
    {
        var target = _targets.Pick();
        if (target is null)
        {
            return ("no-target", false, null, "every target is down");
        }

        var tenant = _plan.Tenants[planned.Tenant];
        using var request = WorkloadPlan.Build(target.BaseUrl, tenant, planned, Interlocked.Increment(ref _sequence));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var code = (int)response.StatusCode;
            var status = code is >= 0 and < 600 ? StatusText[code] : code.ToString(CultureInfo.InvariantCulture);
            if (code is >= 200 and < 300)
            {
                if (planned.Operation == Operation.CreateNote)
                {
                    // Only creates are parsed; the body is already buffered (ResponseContentRead).
                    AcknowledgedNotes.Record(planned.Tenant, await response.Content.ReadAsByteArrayAsync(CancellationToken.None));
                }

                return (status, true, target, null);
            }

            var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
            return (status, false, target, $"{request.Method} {tenant.Id} via {target.Name}: {body}");
        }
        catch (HttpRequestException ex)
        {
            _targets.MarkDown(target);
            var connect = ex.HttpRequestError == HttpRequestError.ConnectionError || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            return (connect ? "connect" : "io", false, target, $"{target.Name}: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ("timeout", false, target, $"{target.Name}: no answer within {_options.RequestTimeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException)
        {
            return ("cancelled", false, target, null);
        }
    }

    private double SecondsSinceStart(long timestamp) => Recorder.SecondsAt(timestamp) + _options.WarmupSeconds;
}
