using System.Numerics;

namespace OrleansTenants.Bench;

/// <summary>
/// A log-linear histogram of non-negative latencies in whatever unit the caller records (Stopwatch ticks,
/// microseconds), HdrHistogram-style: exact below 128, then 64 linear sub-buckets per power of two, so a value
/// is reported within 1/64 (1.6 %) of itself. Recording is an uncontended interlocked increment, safe from any
/// thread, with no allocation and no sorting. Shared by the benchmarks so they all read percentiles alike.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int LinearLimit = SubBuckets * 2;
    private readonly long[] _counts = new long[(64 - SubBucketBits) * SubBuckets + SubBuckets];
    private long _count;
    private long _max;
    private long _sum;

    public long Count => Interlocked.Read(ref _count);

    public long Max => Interlocked.Read(ref _max);

    public double Mean => Count == 0 ? 0 : (double)Interlocked.Read(ref _sum) / Count;

    public void Record(long value)
    {
        value = Math.Max(0, value);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, value);
        long seen;
        while (value > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, seen) != seen)
        {
        }
    }

    /// <summary>Adds <paramref name="other"/>'s counts into this one; call once recording into either has stopped.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Interlocked.Read(ref other._counts[i]);
        }

        _count += other.Count;
        _sum += Interlocked.Read(ref other._sum);
        _max = Math.Max(_max, other.Max);
    }

    /// <summary>The value at <paramref name="quantile"/> (0..1): the upper edge of its bucket, capped at the max seen.</summary>
    public long ValueAt(double quantile)
    {
        var count = Count;
        if (count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(count * quantile));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), Max);
            }
        }

        return Max;
    }

    private static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        // value has (exponent + SubBucketBits + 1) significant bits; keep the top SubBucketBits + 1 of them.
        var exponent = (63 - BitOperations.LeadingZeroCount((ulong)value)) - SubBucketBits;
        return exponent * SubBuckets + (int)(value >> exponent);
    }

    private static long UpperEdge(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var exponent = index / SubBuckets - 1;
        var mantissa = index - exponent * SubBuckets;
        return ((long)(mantissa + 1) << exponent) - 1;
    }
}
