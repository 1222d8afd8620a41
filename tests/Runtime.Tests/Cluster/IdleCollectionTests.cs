using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>The idle collector keeps collecting: after a grain's failure, and after the wall clock jumps.</summary>
public sealed class IdleCollectionTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Idle_collection_goes_on_after_a_grain_whose_dispose_throws_was_collected()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, Collection, time);
        var silo = cluster.Silos[0];
        var faulty = $"collected-faulty-{Guid.NewGuid():N}";
        FaultPlan.For(faulty).ThrowOnDispose = true;
        await silo.GrainFactory.GetGrain<IFaultyGrain>(faulty).PingAsync();

        time.Advance(TimeSpan.FromMinutes(16));
        await FaultPlan.For(faulty).When(FaultEvent.Disposed).WaitAsync(Wait);
        var counter = $"collected-after-{Guid.NewGuid():N}";
        await silo.GrainFactory.GetGrain<ICounterGrain>(counter).IncrementAsync();
        time.Advance(TimeSpan.FromMinutes(16));

        (await GrainProbe.WhenDeactivated(counter).WaitAsync(Wait)).Should().Be(DeactivationReason.IdleCollection);
    }

    [Fact]
    public async Task An_activation_found_due_too_early_after_the_wall_clock_jumped_is_collected_later()
    {
        var time = new SkewedClock(new ManualTimeProvider(DateTimeOffset.UtcNow));
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, Collection, time);
        var key = $"clock-jump-{Guid.NewGuid():N}";
        var grain = cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key);
        await grain.IncrementAsync();

        // The wall clock (which files activations into buckets) jumps 20 minutes; the idle time (monotonic) does not.
        // A collection round run now finds the activation due but idle for no time at all.
        time.WallClockOffset = TimeSpan.FromMinutes(20);
        (await cluster.Silos[0].Services.GetRequiredService<ActivationManager>().CollectIdleAsync()).Should().Be(0);

        time.Advance(TimeSpan.FromMinutes(16));

        (await GrainProbe.WhenDeactivated(key).WaitAsync(Wait)).Should().Be(DeactivationReason.IdleCollection);
    }

    private static void Collection(Hosting.SiloOptions options)
    {
        options.CollectionAge = TimeSpan.FromMinutes(15);
        options.CollectionQuantum = TimeSpan.FromMinutes(1);
    }

    /// <summary>A manual clock whose wall time can be moved apart from its timestamps, as an NTP step or a VM resume does.</summary>
    private sealed class SkewedClock(ManualTimeProvider inner) : TimeProvider
    {
        public TimeSpan WallClockOffset { get; set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + WallClockOffset;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);

        public void Advance(TimeSpan by) => inner.Advance(by);
    }
}
