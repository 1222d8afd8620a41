using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using OrleansTenants.Grains.Tenants;
using Xunit;

namespace OrleansTenants.Grains.Tests.Tenants;

/// <summary>
/// The tenant's concurrency limit with its bounded queue: calls beyond the limit wait their turn, oldest first, and are
/// refused at once only when the queue is full or their expected wait is longer than the queue timeout.
/// </summary>
public sealed class TenantCallQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Calls_beyond_the_limit_wait_their_turn_oldest_first()
    {
        using var queue = new TenantCallQueue(limit: 1, queueLimit: 4, Timeout, _time);
        var (first, _) = await queue.EnterAsync(CancellationToken.None);
        var served = new List<int>();
        var waiting = Enumerable.Range(1, 3).Select(async i =>
        {
            var (turn, _) = await queue.EnterAsync(CancellationToken.None);
            lock (served)
            {
                served.Add(i);
            }

            return turn;
        }).ToList();

        waiting.Should().OnlyContain(call => !call.IsCompleted, "the only slot is taken");
        first!.Dispose();
        for (var i = 0; i < waiting.Count; i++)
        {
            var turn = await waiting[i];
            turn.Should().NotBeNull();
            turn!.Dispose();
        }

        served.Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task The_peak_is_the_most_calls_that_ran_at_once_not_the_most_that_waited()
    {
        using var queue = new TenantCallQueue(limit: 3, queueLimit: 4, Timeout, _time);
        queue.PeakRunning.Should().Be(0);
        var (first, _) = await queue.EnterAsync(CancellationToken.None);
        var (second, _) = await queue.EnterAsync(CancellationToken.None);
        first!.Dispose();
        var (third, _) = await queue.EnterAsync(CancellationToken.None);
        queue.PeakRunning.Should().Be(2, "one call had ended before the third began");

        var (fourth, _) = await queue.EnterAsync(CancellationToken.None);
        var waiting = queue.EnterAsync(CancellationToken.None);
        queue.PeakRunning.Should().Be(3, "the limit; a call waiting for its turn does not run");
        foreach (var turn in new[] { second, third, fourth })
        {
            turn!.Dispose();
        }

        (await waiting).Turn!.Dispose();
        queue.PeakRunning.Should().Be(3);
    }

    [Fact]
    public async Task A_call_that_finds_the_queue_full_is_refused_at_once()
    {
        using var queue = new TenantCallQueue(limit: 1, queueLimit: 2, Timeout, _time);
        var (first, _) = await queue.EnterAsync(CancellationToken.None);
        var queued = new[] { queue.EnterAsync(CancellationToken.None), queue.EnterAsync(CancellationToken.None) };

        var (refused, retryAfter) = await queue.EnterAsync(CancellationToken.None);

        refused.Should().BeNull();
        retryAfter.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero);
        queued.Should().OnlyContain(call => !call.IsCompleted);
        first!.Dispose();
        foreach (var call in queued)
        {
            (await call).Turn!.Dispose();
        }
    }

    [Fact]
    public async Task A_call_whose_expected_wait_is_longer_than_the_timeout_is_refused_at_once_with_that_wait()
    {
        using var queue = new TenantCallQueue(limit: 1, queueLimit: 10, Timeout, _time);
        var (slow, _) = await queue.EnterAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(6));
        slow!.Dispose(); // The tenant's calls now take 6 s: one call ahead is a wait longer than 5 s.
        var (running, _) = await queue.EnterAsync(CancellationToken.None);

        var (refused, retryAfter) = await queue.EnterAsync(CancellationToken.None);

        refused.Should().BeNull();
        retryAfter.Should().Be(TimeSpan.FromSeconds(6));
        running!.Dispose();
    }

    [Fact]
    public async Task A_queued_call_that_waited_the_timeout_is_refused()
    {
        using var queue = new TenantCallQueue(limit: 1, queueLimit: 10, Timeout, _time);
        var (running, _) = await queue.EnterAsync(CancellationToken.None);
        var queued = queue.EnterAsync(CancellationToken.None);
        queued.IsCompleted.Should().BeFalse();

        _time.Advance(Timeout);

        var (refused, retryAfter) = await queued;
        refused.Should().BeNull();
        retryAfter.Should().Be(Timeout);
        running!.Dispose();
        (await queue.EnterAsync(CancellationToken.None)).Turn.Should().NotBeNull("the refused call left the queue");
    }

    [Fact]
    public async Task A_cancelled_caller_leaves_the_queue_with_its_cancellation()
    {
        using var queue = new TenantCallQueue(limit: 1, queueLimit: 10, Timeout, _time);
        var (running, _) = await queue.EnterAsync(CancellationToken.None);
        using var hangUp = new CancellationTokenSource();
        var queued = queue.EnterAsync(hangUp.Token);

        await hangUp.CancelAsync();

        await queued.Invoking(call => call).Should().ThrowAsync<OperationCanceledException>();
        running!.Dispose();
    }
}
