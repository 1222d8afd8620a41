using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace OrleansTenants.Api.Admin;

/// <summary>
/// Orleans' own meters (the <c>Microsoft.Orleans</c> meter) read in process, for <c>/admin/metrics</c>: activations of
/// this process and the grain calls it made, with latency percentiles from Orleans' call-latency histogram. Listening
/// starts with the host, because Orleans records call latencies only while someone listens.
/// </summary>
public sealed class OrleansMetrics : IHostedService, IDisposable
{
    private const string OrleansMeter = "Microsoft.Orleans";
    private const string LatencyBuckets = "orleans-app-requests-latency-bucket";

    // Only what the snapshot shows: a listener on every Orleans instrument would run on every message sent.
    private static readonly HashSet<string> Instruments =
    [
        "orleans-catalog-activations",
        "orleans-catalog-activation-created",
        "orleans-catalog-activation-destroyed",
        "orleans-app-requests-latency-count",
        "orleans-app-requests-latency-sum",
        LatencyBuckets,
        "orleans-app-requests-timedout",
        "orleans-messaging-processing-dispatcher-forwarded",
    ];

    private readonly MeterListener _listener = new();

    // Counters are summed; gauges and Orleans' observable counters (already cumulative) keep their last value.
    private readonly ConcurrentDictionary<string, long> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, long> _latencyBuckets = new();

    public OrleansMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OrleansMeter && Instruments.Contains(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public RuntimeMetrics Snapshot()
    {
        _listener.RecordObservableInstruments();
        var buckets = _latencyBuckets.OrderBy(b => b.Key).ToList();
        return new RuntimeMetrics(
            Value("orleans-catalog-activations"),
            Value("orleans-catalog-activation-created"),
            Value("orleans-catalog-activation-destroyed"),
            Value("orleans-app-requests-latency-count"),
            Value("orleans-app-requests-timedout"),
            Value("orleans-messaging-processing-dispatcher-forwarded"),
            Percentile(buckets, 0.50),
            Percentile(buckets, 0.99));
    }

    public void Dispose() => _listener.Dispose();

    private long Value(string instrument) => _values.GetValueOrDefault(instrument);

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrument.Name == LatencyBuckets)
        {
            foreach (var tag in tags)
            {
                // Orleans labels each bucket with its upper bound: "duration" = "<bound>ms".
                if (tag.Key == "duration" && tag.Value is string bound && long.TryParse(bound.AsSpan(0, bound.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
                {
                    _latencyBuckets[milliseconds] = value;
                }
            }

            return;
        }

        if (instrument is Counter<int> or Counter<long> or UpDownCounter<int> or UpDownCounter<long>)
        {
            _values.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
        }
        else
        {
            _values[instrument.Name] = value;
        }
    }

    /// <summary>The upper bound, in milliseconds, of the bucket holding the percentile (0 before any call).</summary>
    private static double Percentile(List<KeyValuePair<long, long>> buckets, double percentile)
    {
        var total = buckets.Sum(b => b.Value);
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(total * percentile);
        long seen = 0;
        var finite = 0L;
        foreach (var (bound, count) in buckets)
        {
            seen += count;
            if (seen >= rank)
            {
                // Past the last bound Orleans' buckets are open-ended: the largest finite bound is what can be said.
                return bound == long.MaxValue ? finite : bound;
            }

            finite = bound;
        }

        return finite;
    }
}

/// <summary>This process's Orleans figures: activations it holds, created and destroyed; grain calls it made, timed out, forwarded; call latency.</summary>
public sealed record RuntimeMetrics(
    long Activations,
    long ActivationsCreated,
    long ActivationsDestroyed,
    long Calls,
    long CallsTimedOut,
    long ForwardedMessages,
    double CallLatencyP50Ms,
    double CallLatencyP99Ms);
