using HdrHistogram;
using OrleansTenants.Bench;
using OrleansTenants.LoadTester.Reporting;

namespace OrleansTenants.LoadTester.Workload;

internal static class LatencySummaries
{
    /// <summary>The report's latency figures, in milliseconds rounded to the microsecond.</summary>
    public static LatencySummary Summary(this HistogramBase histogram) =>
        histogram.TotalCount == 0
            ? LatencySummary.Empty
            : new LatencySummary(
                Round(histogram.PercentileMs(50)),
                Round(histogram.PercentileMs(90)),
                Round(histogram.PercentileMs(99)),
                Round(histogram.PercentileMs(99.9)),
                Round(histogram.MaxMs()),
                Round(histogram.MeanMs()));

    private static double Round(double ms) => Math.Round(ms, 3);
}
