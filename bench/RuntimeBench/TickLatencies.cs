using System.Diagnostics;
using OrleansTenants.Bench;

namespace OrleansTenants.RuntimeBench;

/// <summary>This benchmark records Stopwatch ticks (local calls take about a microsecond) and reports microseconds.</summary>
internal static class TickLatencies
{
    public static double QuantileMicros(this LatencyHistogram histogram, double quantile) => ToMicros(histogram.ValueAt(quantile));

    public static double MaxMicros(this LatencyHistogram histogram) => ToMicros(histogram.Max);

    private static double ToMicros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}
