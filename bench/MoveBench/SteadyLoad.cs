using System.Diagnostics;
using System.Net;
using HdrHistogram;
using OrleansTenants.Bench;

namespace OrleansTenants.MoveBench;

/// <summary>
/// Calls sent at a fixed rate whatever the answers take (open loop): a call's latency counts from when it was due, so a
/// pause shows in full rather than as fewer calls. Latencies of calls due inside a window are kept apart.
/// </summary>
internal sealed class SteadyLoad(string name, int perSecond, Func<CancellationToken, Task<HttpStatusCode>> call)
{
    private readonly LongConcurrentHistogram _all = Latencies.Histogram();
    private readonly LongConcurrentHistogram _window = Latencies.Histogram();
    private readonly Lock _gate = new();
    private long _windowStart = long.MaxValue;
    private long _windowEnd = long.MaxValue;
    private long _slowestTook = -1;
    private long _slowestDue;

    public string Name { get; } = name;

    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>Calls that did not succeed, by HTTP status (or the exception's name when there was no answer).</summary>
    public IReadOnlyDictionary<string, int> Failures
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_failures);
            }
        }
    }

    /// <summary>Calls due from now on count in the window, until <see cref="CloseWindow"/>.</summary>
    public void OpenWindow() => Interlocked.Exchange(ref _windowStart, Stopwatch.GetTimestamp());

    public void CloseWindow() => Interlocked.Exchange(ref _windowEnd, Stopwatch.GetTimestamp());

    public async Task RunAsync(CancellationToken stop)
    {
        var interval = Stopwatch.Frequency / perSecond;
        var due = Stopwatch.GetTimestamp();
        var calls = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            due += interval;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None);
            }

            calls.Add(CallAsync(due));
        }

        await Task.WhenAll(calls);
    }

    public (double P50, double P99, double Max) Window() => Read(_window);

    public (double P50, double P99, double Max) All() => Read(_all);

    /// <summary>When the window's slowest call was due, in seconds after the window opened.</summary>
    public double SlowestDueAfter()
    {
        lock (_gate)
        {
            return Stopwatch.GetElapsedTime(_windowStart, _slowestDue).TotalSeconds;
        }
    }

    private async Task CallAsync(long due)
    {
        string? failure;
        try
        {
            var status = await call(CancellationToken.None);
            failure = (int)status < 400 ? null : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException e)
        {
            failure = e.GetType().Name;
        }

        // A call may start a hair before it is due (timers are coarse): RecordLatency counts that as no wait.
        var took = Stopwatch.GetElapsedTime(due);
        lock (_gate)
        {
            _all.RecordLatency(took);
            if (due >= Interlocked.Read(ref _windowStart) && due <= Interlocked.Read(ref _windowEnd))
            {
                _window.RecordLatency(took);
                if (took.Ticks > _slowestTook)
                {
                    (_slowestTook, _slowestDue) = (took.Ticks, due);
                }
            }

            if (failure is not null)
            {
                _failures[failure] = _failures.GetValueOrDefault(failure) + 1;
            }
        }
    }

    private (double P50, double P99, double Max) Read(HistogramBase histogram)
    {
        lock (_gate)
        {
            return (histogram.PercentileMs(50), histogram.PercentileMs(99), histogram.MaxMs());
        }
    }
}
