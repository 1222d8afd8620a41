using System.Numerics;
using OrleansTenants.LoadTester.Reporting;

namespace OrleansTenants.LoadTester.Workload;

/// <summary>
/// A log-linear histogram of latencies in microseconds (HdrHistogram-style: exact below 128 µs, then 64 linear
/// sub-buckets per power of two, so a value is reported within 1.6 % of itself). Recording is one interlocked
/// increment, safe from any thread.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int LinearLimit = SubBuckets * 2;
    private readonly long[] _counts = new long[(40 - SubBucketBits) * SubBuckets + SubBuckets];
    private long _count;
    private long _max;
    private long _sum;

    public long Count => Interlocked.Read(ref _count);

    public void Record(long micros)
    {
        micros = Math.Clamp(micros, 0, (1L << 38) - 1);
        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        long seen;
        while (micros > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, micros, seen) != seen)
        {
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Interlocked.Read(ref other._counts[i]);
        }

        _count += other.Count;
        _sum += Interlocked.Read(ref other._sum);
        _max = Math.Max(_max, Interlocked.Read(ref other._max));
    }

    /// <summary>The value at <paramref name="quantile"/> (0..1) in milliseconds: its bucket's upper edge, capped at the max seen.</summary>
    public double QuantileMs(double quantile)
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
                return Math.Min(UpperEdge(i), Interlocked.Read(ref _max)) / 1000.0;
            }
        }

        return Interlocked.Read(ref _max) / 1000.0;
    }

    public LatencySummary Summary()
    {
        var count = Count;
        return count == 0
            ? LatencySummary.Empty
            : new LatencySummary(
                Round(QuantileMs(0.5)),
                Round(QuantileMs(0.9)),
                Round(QuantileMs(0.99)),
                Round(QuantileMs(0.999)),
                Round(Interlocked.Read(ref _max) / 1000.0),
                Round(Interlocked.Read(ref _sum) / 1000.0 / count));
    }

    private static double Round(double ms) => Math.Round(ms, 3);

    private static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

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
