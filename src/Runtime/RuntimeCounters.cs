using System.Diagnostics;

namespace OrleansTenants.Runtime;

/// <summary>Per-process runtime counters, readable in process (the admin metrics endpoint serializes a snapshot).</summary>
public sealed class RuntimeCounters
{
    // Latency buckets: bucket i holds calls that took under 2^i microseconds (the last one is open-ended).
    private const int LatencyBuckets = 32;
    private readonly long[] _latency = new long[LatencyBuckets];
    private long _activations;
    private long _created;
    private long _collected;
    private long _deactivated;
    private long _calls;
    private long _failedCalls;
    private long _forwarded;
    private long _cacheHits;
    private long _cacheMisses;

    internal void ActivationCreated()
    {
        Interlocked.Increment(ref _created);
        Interlocked.Increment(ref _activations);
    }

    internal void ActivationRemoved(bool collected)
    {
        Interlocked.Decrement(ref _activations);
        Interlocked.Increment(ref _deactivated);
        if (collected)
        {
            Interlocked.Increment(ref _collected);
        }
    }

    internal void CallCompleted(long startTimestamp, bool failed)
    {
        Interlocked.Increment(ref _calls);
        if (failed)
        {
            Interlocked.Increment(ref _failedCalls);
        }

        var micros = Stopwatch.GetElapsedTime(startTimestamp).Ticks / 10;
        var bucket = micros <= 0 ? 0 : Math.Min(LatencyBuckets - 1, 64 - long.LeadingZeroCount(micros));
        Interlocked.Increment(ref _latency[bucket]);
    }

    internal void CallForwarded() => Interlocked.Increment(ref _forwarded);

    internal void DirectoryCacheHit() => Interlocked.Increment(ref _cacheHits);

    internal void DirectoryCacheMiss() => Interlocked.Increment(ref _cacheMisses);

    public RuntimeCountersSnapshot Snapshot()
    {
        var latency = (long[])_latency.Clone();
        return new RuntimeCountersSnapshot(
            Interlocked.Read(ref _activations),
            Interlocked.Read(ref _created),
            Interlocked.Read(ref _collected),
            Interlocked.Read(ref _deactivated),
            Interlocked.Read(ref _calls),
            Interlocked.Read(ref _failedCalls),
            Interlocked.Read(ref _forwarded),
            Interlocked.Read(ref _cacheHits),
            Interlocked.Read(ref _cacheMisses),
            Percentile(latency, 0.50),
            Percentile(latency, 0.99));
    }

    /// <summary>The upper bound, in milliseconds, of the bucket holding the requested percentile.</summary>
    private static double Percentile(long[] buckets, double percentile)
    {
        var total = buckets.Sum();
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(total * percentile);
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return (1L << i) / 1000.0;
            }
        }

        return (1L << (buckets.Length - 1)) / 1000.0;
    }
}

/// <summary>The counters at one moment. Latency percentiles are bucket upper bounds (powers of two microseconds), in ms.</summary>
public sealed record RuntimeCountersSnapshot(
    long Activations,
    long ActivationsCreated,
    long ActivationsCollected,
    long ActivationsDeactivated,
    long Calls,
    long FailedCalls,
    long ForwardedCalls,
    long DirectoryCacheHits,
    long DirectoryCacheMisses,
    double CallLatencyP50Ms,
    double CallLatencyP99Ms);
