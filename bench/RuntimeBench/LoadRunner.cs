using System.Diagnostics;
using OrleansTenants.Bench;

namespace OrleansTenants.RuntimeBench;

/// <summary>One scenario's numbers, for the table and the JSON summary. Times in microseconds.</summary>
internal sealed record ScenarioResult(
    string Name,
    string Path,
    int Callers,
    int Rounds,
    double Seconds,
    long Calls,
    long Errors,
    double CallsPerSecond,
    double P50Us,
    double P90Us,
    double P99Us,
    double MaxUs,
    double AllocatedBytesPerCall,
    double CpuUsPerCall,
    double CpuUtilization,
    double PostgresCpuUsPerCall,
    double PostgresCpuUtilization,
    double HostBusy,
    double HostSteal,
    int Gen0,
    int Gen1,
    int Gen2,
    double GcPauseMs,
    string? FirstError)
{
    /// <summary>Sums one or more measured windows of the same scenario (rounds interleaved with another scenario).</summary>
    public static ScenarioResult From(string name, string path, int callers, IReadOnlyList<Measurement> rounds)
    {
        var histogram = new LatencyHistogram();
        foreach (var round in rounds)
        {
            histogram.Add(round.Histogram);
        }

        double Sum(Func<Measurement, double> delta) => rounds.Sum(delta);
        var seconds = Sum(r => r.Seconds);
        var count = Math.Max(1, histogram.Count);
        var cpu = Sum(r => (r.End.Cpu - r.Start.Cpu).TotalMicroseconds);
        var postgresCpu = Sum(r => (r.End.PostgresCpuSeconds - r.Start.PostgresCpuSeconds) * 1_000_000);
        var hostTotal = Math.Max(1, Sum(r => r.End.HostTotal - r.Start.HostTotal));
        var capacity = seconds * 1_000_000 * Environment.ProcessorCount;
        return new ScenarioResult(
            name,
            path,
            callers,
            rounds.Count,
            seconds,
            histogram.Count,
            rounds.Sum(r => r.Errors),
            histogram.Count / seconds,
            histogram.QuantileMicros(0.50),
            histogram.QuantileMicros(0.90),
            histogram.QuantileMicros(0.99),
            histogram.MaxMicros(),
            Sum(r => r.End.Allocated - r.Start.Allocated) / count,
            cpu / count,
            cpu / capacity,
            postgresCpu / count,
            postgresCpu / capacity,
            Sum(r => r.End.HostBusy - r.Start.HostBusy) / hostTotal,
            Sum(r => r.End.HostSteal - r.Start.HostSteal) / hostTotal,
            rounds.Sum(r => r.End.Gen0 - r.Start.Gen0),
            rounds.Sum(r => r.End.Gen1 - r.Start.Gen1),
            rounds.Sum(r => r.End.Gen2 - r.Start.Gen2),
            Sum(r => (r.End.Pause - r.Start.Pause).TotalMilliseconds),
            rounds.Select(r => r.FirstError).FirstOrDefault(e => e is not null) is { } error ? $"{error.GetType().Name}: {error.Message}" : null);
    }
}

/// <summary>One measured window: merged latencies, errors, and the counters at its edges.</summary>
internal sealed record Measurement(LatencyHistogram Histogram, long Errors, double Seconds, HostMetrics.Sample Start, HostMetrics.Sample End, Exception? FirstError);

internal sealed record Timing(TimeSpan Warmup, TimeSpan Duration);

/// <summary>
/// A closed-loop load generator: N callers, each issuing its next call when the previous one returns.
/// Calls run for warm-up + duration; only calls that complete inside the measured window count, and the
/// process, PostgreSQL and host counters are sampled at the window's edges.
/// </summary>
internal static class LoadRunner
{
    /// <param name="createCaller">Per caller: a function that makes call number <c>seq</c> and throws if its answer is wrong.</param>
    public static async Task<Measurement> MeasureAsync(
        int callers, Timing timing, HostMetrics metrics, Func<int, Func<long, Task>> createCaller, CancellationToken cancellationToken)
    {
        var calls = Enumerable.Range(0, callers).Select(createCaller).ToArray();
        var histograms = Enumerable.Range(0, callers).Select(_ => new LatencyHistogram()).ToArray();
        var errors = new long[callers];
        Exception? firstError = null;

        var begin = Stopwatch.GetTimestamp();
        var windowStart = begin + (long)(timing.Warmup.TotalSeconds * Stopwatch.Frequency);
        var windowEnd = windowStart + (long)(timing.Duration.TotalSeconds * Stopwatch.Frequency);

        async Task CallerAsync(int index)
        {
            var call = calls[index];
            var histogram = histograms[index];
            long seq = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                if (started >= windowEnd)
                {
                    return;
                }

                Exception? failure = null;
                try
                {
                    await call(++seq);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    failure = ex;
                }

                var ended = Stopwatch.GetTimestamp();
                var inWindow = ended >= windowStart && ended < windowEnd;
                if (failure is null)
                {
                    if (inWindow)
                    {
                        histogram.Record(ended - started);
                    }
                }
                else
                {
                    errors[index] += inWindow ? 1 : 0;
                    Interlocked.CompareExchange(ref firstError, failure, null);
                    await Task.Delay(1, CancellationToken.None); // A failing target must not turn into a busy loop.
                }

                // Local calls complete synchronously; yield now and then so that 64 such loops on a small
                // thread pool cannot starve the runtime's heartbeats and timers. Outside the timed section.
                if ((seq & 31) == 0)
                {
                    await Task.Yield();
                }
            }
        }

        var sampler = SampleWindowAsync(metrics, windowStart, windowEnd, cancellationToken);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(() => CallerAsync(i), CancellationToken.None)));
        var (start, end) = await sampler;
        cancellationToken.ThrowIfCancellationRequested();

        var merged = new LatencyHistogram();
        foreach (var histogram in histograms)
        {
            merged.Add(histogram);
        }

        return new Measurement(merged, errors.Sum(), timing.Duration.TotalSeconds, start, end, firstError);
    }

    private static async Task<(HostMetrics.Sample Start, HostMetrics.Sample End)> SampleWindowAsync(
        HostMetrics metrics, long windowStart, long windowEnd, CancellationToken cancellationToken)
    {
        await DelayUntilAsync(windowStart, cancellationToken);
        var start = metrics.Take();
        await DelayUntilAsync(windowEnd, cancellationToken);
        return (start, metrics.Take());
    }

    // Task.Delay wakes up to a timer tick late; sleep most of the way, then poll in short steps.
    private static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var remaining = (timestamp - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (remaining <= 0)
            {
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(remaining > 20 ? remaining - 10 : 1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
