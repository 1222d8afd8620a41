using OrleansTenants.Bench;
using OrleansTenants.LoadTester.Reporting;

namespace OrleansTenants.LoadTester.Workload;

/// <summary>The load tester records microseconds; its report speaks milliseconds.</summary>
internal static class MicrosecondLatencies
{
    public static double QuantileMs(this LatencyHistogram histogram, double quantile) => histogram.ValueAt(quantile) / 1000.0;

    public static LatencySummary Summary(this LatencyHistogram histogram) =>
        histogram.Count == 0
            ? LatencySummary.Empty
            : new LatencySummary(
                Round(histogram.QuantileMs(0.5)),
                Round(histogram.QuantileMs(0.9)),
                Round(histogram.QuantileMs(0.99)),
                Round(histogram.QuantileMs(0.999)),
                Round(histogram.Max / 1000.0),
                Round(histogram.Mean / 1000.0));

    private static double Round(double ms) => Math.Round(ms, 3);
}
