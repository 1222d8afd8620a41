using HdrHistogram;

namespace OrleansTenants.Bench;

/// <summary>
/// How the benchmarks keep latencies, so that they all read them alike: an HdrHistogram of TimeSpan ticks up to five
/// minutes, read in milliseconds. Three significant digits report a value within 0.1 % of itself.
/// </summary>
internal static class Latencies
{
    private static readonly long Highest = TimeSpan.FromMinutes(5).Ticks;

    /// <summary>Safe to record into from any thread; a read while calls are recorded may miss the ones in flight.</summary>
    public static LongConcurrentHistogram Histogram(int significantDigits = 3) => new(1, Highest, significantDigits);

    /// <summary>Records <paramref name="elapsed"/>; HdrHistogram throws beyond its range, so a longer one counts as the longest.</summary>
    public static void RecordLatency(this HistogramBase histogram, TimeSpan elapsed) => histogram.RecordValue(Math.Clamp(elapsed.Ticks, 0, Highest));

    /// <summary>The latency at <paramref name="percentile"/> (0-100); 0 when nothing was recorded (HdrHistogram throws).</summary>
    public static double PercentileMs(this HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : Ms(histogram.GetValueAtPercentile(percentile));

    public static double MaxMs(this HistogramBase histogram) => Ms(histogram.GetMaxValue());

    public static double MeanMs(this HistogramBase histogram) => histogram.TotalCount == 0 ? 0 : histogram.GetMean() / TimeSpan.TicksPerMillisecond;

    private static double Ms(long ticks) => TimeSpan.FromTicks(ticks).TotalMilliseconds;
}
