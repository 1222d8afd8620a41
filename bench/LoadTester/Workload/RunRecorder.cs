using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using OrleansTenants.Bench;
using OrleansTenants.LoadTester.Reporting;

namespace OrleansTenants.LoadTester.Workload;

/// <summary>An error as the failover analysis needs it: when (seconds from the measured window's start), where, what.</summary>
internal readonly record struct ErrorEvent(double T, string Target, string Status);

/// <summary>
/// Per-second counts and latency histograms of one run, recorded from any thread. Second 0 is the start of the
/// measured window; the warm-up before it is recorded for the progress line only. A request counts in the second
/// in which it completed. Requests the load generator itself did not send (open loop, its in-flight limit reached)
/// are counted apart as dropped: they say the client fell short, not that the server failed.
/// </summary>
internal sealed class RunRecorder
{
    private const int MaxErrorEvents = 1_000_000;
    private readonly Slot[] _slots;
    private readonly int _warmupSlots;
    private readonly ConcurrentDictionary<string, long[]> _byStatus = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _errorSamples = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ErrorEvent> _errorEvents = new();
    private long _failed;
    private long _dropped;

    public RunRecorder(long measureStart, double warmupSeconds, double durationSeconds)
    {
        MeasureStart = measureStart;
        _warmupSlots = (int)Math.Ceiling(warmupSeconds);
        _slots = [.. Enumerable.Range(0, _warmupSlots + (int)Math.Ceiling(durationSeconds)).Select(_ => new Slot())];
    }

    /// <summary>Stopwatch timestamp of the measured window's start.</summary>
    public long MeasureStart { get; }

    public LongConcurrentHistogram Total { get; } = Latencies.Histogram();

    /// <summary>Failed requests, warm-up included (for the progress line).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Requests not sent in the measured window because the client's in-flight limit was reached.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public IEnumerable<ErrorEvent> ErrorEvents => _errorEvents;

    public double SecondsAt(long timestamp) => (double)(timestamp - MeasureStart) / Stopwatch.Frequency;

    public void Record(long started, long ended, string status, bool ok, Target? target, string? errorDetail)
    {
        if (!ok)
        {
            Interlocked.Increment(ref _failed);
        }

        var t = SecondsAt(ended);
        var index = (int)Math.Floor(t) + _warmupSlots;
        if (index < 0 || index >= _slots.Length)
        {
            return;
        }

        var slot = _slots[index];
        var latency = Stopwatch.GetElapsedTime(started, ended);
        if (ok)
        {
            Interlocked.Increment(ref slot.Ok);
            slot.Histogram.RecordLatency(latency);
            if (latency > TimeSpan.FromSeconds(1))
            {
                Interlocked.Increment(ref slot.Slow);
            }
        }
        else
        {
            Interlocked.Increment(ref slot.Errors);
        }

        if (t < 0)
        {
            return;
        }

        if (ok)
        {
            Total.RecordLatency(latency);
        }
        else
        {
            if (errorDetail is not null)
            {
                _errorSamples.TryAdd(status, errorDetail.Length > 300 ? errorDetail[..300] : errorDetail);
            }

            if (_errorEvents.Count < MaxErrorEvents)
            {
                _errorEvents.Enqueue(new ErrorEvent(t, target?.Name ?? "-", status));
            }
        }

        Interlocked.Increment(ref _byStatus.GetOrAdd(status, static _ => new long[1])[0]);
    }

    /// <summary>A request scheduled at <paramref name="scheduled"/> that the client did not send (open loop, in-flight limit).</summary>
    public void RecordDropped(long scheduled)
    {
        var t = SecondsAt(scheduled);
        var index = (int)Math.Floor(t) + _warmupSlots;
        if (t < 0 || index >= _slots.Length)
        {
            return;
        }

        Interlocked.Increment(ref _slots[index].Dropped);
        Interlocked.Increment(ref _dropped);
    }

    /// <summary>The last full second before <paramref name="now"/>: successes, errors and p99 (for the progress line).</summary>
    public (long Ok, long Errors, double P50, double P99) LastSecond(long now)
    {
        var index = (int)Math.Floor(SecondsAt(now)) - 1 + _warmupSlots;
        if (index < 0 || index >= _slots.Length)
        {
            return (0, 0, 0, 0);
        }

        var slot = _slots[index];
        return (Interlocked.Read(ref slot.Ok), Interlocked.Read(ref slot.Errors), slot.Histogram.PercentileMs(50), slot.Histogram.PercentileMs(99));
    }

    public IReadOnlyList<TimelinePoint> Timeline() =>
    [
        .. _slots.Skip(_warmupSlots).Select((slot, i) => new TimelinePoint(
            i,
            Interlocked.Read(ref slot.Ok),
            Interlocked.Read(ref slot.Errors),
            Math.Round(slot.Histogram.PercentileMs(50), 3),
            Math.Round(slot.Histogram.PercentileMs(99), 3),
            Interlocked.Read(ref slot.Slow),
            Interlocked.Read(ref slot.Dropped))),
    ];

    public IReadOnlyDictionary<string, long> ByStatus() =>
        _byStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => Interlocked.Read(ref kv.Value[0]), StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> ErrorSamples() =>
        _errorSamples.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private sealed class Slot
    {
        public long Ok;
        public long Errors;
        public long Slow;
        public long Dropped;

        // One histogram per second of the run: two significant digits (1 %) keep each at 27 kB instead of 190.
        public LongConcurrentHistogram Histogram { get; } = Latencies.Histogram(significantDigits: 2);
    }
}
