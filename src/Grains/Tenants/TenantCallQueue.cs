using System.Threading.RateLimiting;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// The tenant's concurrency limit with a bounded queue in front, as a pooler queues clients for a connection: a call
/// beyond the limit waits its turn (oldest first); it is refused only when the queue is full, or when the wait it
/// would have (the calls ahead of it, at the tenant's recent call duration) is longer than <see cref="TenantDataOptions.QueueTimeout"/>,
/// or when it did wait that long. A refusal is immediate and says when to come back, so a flood stays cheap.
/// </summary>
internal sealed class TenantCallQueue : IDisposable
{
    // Weight of the newest call in the running mean of call durations: about the last 20 calls count.
    private const double DurationSmoothing = 0.05;

    private readonly ConcurrencyLimiter _limiter;
    private readonly int _limit;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Lock _durationGate = new();
    private double _meanDurationSeconds;
    private int _running;
    private int _peakRunning;

    public TenantCallQueue(int limit, int queueLimit, TimeSpan timeout, TimeProvider time)
    {
        _limit = limit;
        _timeout = timeout;
        _time = time;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = limit,
            QueueLimit = queueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>A turn to run one call (dispose it when the call ends), or a refusal with when to retry.</summary>
    public async Task<(IDisposable? Turn, TimeSpan RetryAfter)> EnterAsync(CancellationToken cancellationToken)
    {
        var expectedWait = ExpectedWait();
        if (expectedWait > _timeout)
        {
            return (null, expectedWait);
        }

        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(1, waiting.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, _timeout);
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            return (null, ExpectedWait());
        }

        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _peakRunning, running);
        return (new Turn(this, lease, _time.GetTimestamp()), TimeSpan.Zero);
    }

    /// <summary>The most calls that ran at once since this queue was made: about as many connections as the tenant needs.</summary>
    public int PeakRunning => Volatile.Read(ref _peakRunning);

    public void Dispose() => _limiter.Dispose();

    /// <summary>How long a call arriving now would wait: the queue ahead of it, served <c>limit</c> at a time.</summary>
    private TimeSpan ExpectedWait()
    {
        var statistics = _limiter.GetStatistics();
        if (statistics is null || statistics.CurrentAvailablePermits > 0)
        {
            return TimeSpan.Zero;
        }

        double mean;
        lock (_durationGate)
        {
            mean = _meanDurationSeconds;
        }

        return TimeSpan.FromSeconds(Math.Ceiling((statistics.CurrentQueuedCount + 1.0) / _limit) * mean);
    }

    private static void InterlockedMax(ref int location, int value)
    {
        var seen = Volatile.Read(ref location);
        while (value > seen && Interlocked.CompareExchange(ref location, value, seen) is var previous && previous != seen)
        {
            seen = previous;
        }
    }

    private void Record(TimeSpan duration)
    {
        lock (_durationGate)
        {
            _meanDurationSeconds = _meanDurationSeconds == 0
                ? duration.TotalSeconds
                : _meanDurationSeconds + (DurationSmoothing * (duration.TotalSeconds - _meanDurationSeconds));
        }
    }

    private sealed class Turn(TenantCallQueue queue, RateLimitLease lease, long started) : IDisposable
    {
        public void Dispose()
        {
            queue.Record(queue._time.GetElapsedTime(started));
            Interlocked.Decrement(ref queue._running);
            lease.Dispose();
        }
    }
}
