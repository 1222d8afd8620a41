using System.Diagnostics;
using FluentAssertions;
using OrleansTenants.LoadTester.Workload;
using Xunit;

namespace OrleansTenants.LoadTester.Tests;

/// <summary>The recorder's latency figures (HdrHistogram underneath) as the report reads them, in milliseconds.</summary>
public sealed class RunRecorderTests
{
    [Fact]
    public void Latencies_are_summed_up_in_milliseconds_per_run_and_per_second()
    {
        var start = Stopwatch.GetTimestamp();
        var recorder = new RunRecorder(start, warmupSeconds: 0, durationSeconds: 3);
        var ended = start + Stopwatch.Frequency / 2;
        for (var ms = 1; ms <= 1000; ms++)
        {
            recorder.Record(ended - ms * Stopwatch.Frequency / 1000, ended, "200", ok: true, target: null, errorDetail: null);
        }

        recorder.Record(ended + Stopwatch.Frequency - 3 * Stopwatch.Frequency / 2, ended + Stopwatch.Frequency, "200", ok: true, target: null, errorDetail: null);
        recorder.Record(ended, ended, "503", ok: false, target: null, errorDetail: "unavailable");

        // 1 to 1000 ms and 1500 ms, within 0.1 % (three significant digits).
        var summary = recorder.Total.Summary();
        summary.P50.Should().BeApproximately(501, 0.501);
        summary.P99.Should().BeApproximately(991, 0.991);
        summary.Max.Should().BeApproximately(1500, 1.5);
        summary.Mean.Should().BeApproximately(501.5, 0.5015);
        var timeline = recorder.Timeline();
        timeline[0].Should().BeEquivalentTo(new { Ok = 1000, Errors = 1, Slow = 0 });
        timeline[0].P99.Should().BeApproximately(990, 9.9, "two significant digits per second");
        timeline[1].Should().BeEquivalentTo(new { Ok = 1, Slow = 1 });
        timeline[2].Should().BeEquivalentTo(new { Ok = 0, P50 = 0, P99 = 0 });
    }
}
