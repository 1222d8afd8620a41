using FluentAssertions;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>Guarantee 2: exclusive calls run one at a time; interleaving calls overlap up to the grain's bound, never with an exclusive one.</summary>
public sealed class TurnTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Exclusive_calls_never_overlap()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var key = $"exclusive-{Guid.NewGuid():N}";
        var tracker = TurnProbe.For(key);
        var grain = cluster.Silos[0].GrainFactory.GetGrain<ITurnGrain>(key);
        var remote = cluster.Silos[1].GrainFactory.GetGrain<ITurnGrain>(key);

        var calls = Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? grain : remote).ExclusiveAsync("open")).ToList();
        await tracker.WaitUntilAsync(inside => inside == 1, Wait);
        tracker.Open("open");
        await Task.WhenAll(calls);

        tracker.MaxInside.Should().Be(1);
        tracker.ExclusiveOverlaps.Should().Be(0);
    }

    [Fact]
    public async Task Interleaving_calls_overlap_up_to_the_bound_and_no_further()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var key = $"interleave-{Guid.NewGuid():N}";
        var tracker = TurnProbe.For(key);
        var grain = cluster.Silos[0].GrainFactory.GetGrain<ITurnGrain>(key);

        var calls = Enumerable.Range(0, 10).Select(_ => grain.InterleavedAsync("open")).ToList();

        // TurnGrain allows 3 interleaved calls: three get in and hold; the other seven queue.
        await tracker.WaitUntilAsync(inside => inside == 3, Wait);
        tracker.Open("open");
        await Task.WhenAll(calls);
        tracker.MaxInside.Should().Be(3);
    }

    [Fact]
    public async Task An_exclusive_call_waits_for_running_interleaved_calls_and_holds_back_later_ones()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var key = $"mixed-{Guid.NewGuid():N}";
        var tracker = TurnProbe.For(key);
        var grain = cluster.Silos[0].GrainFactory.GetGrain<ITurnGrain>(key);

        var first = new[] { grain.InterleavedAsync("first"), grain.InterleavedAsync("first") };
        await tracker.WaitUntilAsync(inside => inside == 2, Wait);
        var exclusive = grain.ExclusiveAsync("exclusive");
        var later = grain.InterleavedAsync("later");
        tracker.Open("later");

        // The later interleaved call arrived after the exclusive one, so it must not slip in beside the first two.
        tracker.Inside.Should().Be(2);
        tracker.Open("first");
        await Task.WhenAll(first);
        await tracker.WaitUntilAsync(inside => inside == 1, Wait);
        exclusive.IsCompleted.Should().BeFalse();
        later.IsCompleted.Should().BeFalse();
        tracker.Open("exclusive");
        await Task.WhenAll(exclusive, later);

        tracker.ExclusiveOverlaps.Should().Be(0);
    }
}
