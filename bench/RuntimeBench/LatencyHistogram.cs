using System.Diagnostics;
using System.Numerics;

namespace OrleansTenants.RuntimeBench;

/// <summary>
/// A log-linear histogram of Stopwatch tick counts, HdrHistogram-style: exact below 128 ticks, then 64 linear
/// sub-buckets per power of two, so any recorded value is reported within 1/64 (1.6 %) of itself. Recording is
/// an array increment (no allocation, no sorting), one histogram per caller, merged after the run.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int LinearLimit = SubBuckets * 2;
    private readonly long[] _counts = new long[(64 - SubBucketBits) * SubBuckets + SubBuckets];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public void Record(long ticks)
    {
        ticks = Math.Max(0, ticks);
        _counts[IndexOf(ticks)]++;
        Count++;
        Max = Math.Max(Max, ticks);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The value at <paramref name="quantile"/> (0..1), in microseconds: the upper edge of its bucket, capped at the max seen.</summary>
    public double QuantileMicros(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(Count * quantile));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return ToMicros(Math.Min(UpperEdge(i), Max));
            }
        }

        return ToMicros(Max);
    }

    public double MaxMicros => ToMicros(Max);

    public static double ToMicros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

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
