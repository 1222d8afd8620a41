using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>Guarantees 3 and 4: activation on first call, OnDeactivateAsync on every path, calls during deactivation served by the next activation.</summary>
public sealed class LifecycleTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Idle_collection_deactivates_and_disposes_after_the_collection_age()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, o =>
        {
            o.CollectionAge = TimeSpan.FromMinutes(15);
            o.CollectionQuantum = TimeSpan.FromMinutes(1);
        }, time);
        var silo = cluster.Silos[0];
        var key = $"idle-{Guid.NewGuid():N}";
        await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();

        time.Advance(TimeSpan.FromMinutes(10));
        GrainProbe.WhenDeactivated(key).IsCompleted.Should().BeFalse("it has been idle for only 10 of 15 minutes");
        time.Advance(TimeSpan.FromMinutes(6));

        (await GrainProbe.WhenDeactivated(key).WaitAsync(Wait)).Should().Be(DeactivationReason.IdleCollection);
        await GrainProbe.WhenDisposed(key).WaitAsync(Wait);
        await WaitUntilAsync(() => silo.Counters.Snapshot().ActivationsCollected == 1);
        (await silo.Services.GetRequiredService<IGrainDirectory>().LookupAsync(new GrainId("counter", key), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task A_grain_in_use_is_not_collected()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, o => o.CollectionAge = TimeSpan.FromMinutes(15), time);
        var grain = cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>($"busy-{Guid.NewGuid():N}");
        var activation = await grain.GetActivationIdAsync();

        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMinutes(10));
            await grain.IncrementAsync();
        }

        (await grain.GetActivationIdAsync()).Should().Be(activation);
    }

    [Fact]
    public async Task A_call_that_arrives_during_deactivation_is_served_by_the_next_activation()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var key = $"during-{Guid.NewGuid():N}";
        var grain = cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(key);
        var firstActivation = await grain.GetActivationIdAsync();
        var (entered, release) = GrainProbe.HoldDeactivation(key);

        var deactivation = cluster.Silos[0].Management.DeactivateAsync<ICounterGrain>(key, CancellationToken.None);
        await entered.WaitAsync(Wait);
        var call = grain.GetActivationIdAsync();
        call.IsCompleted.Should().BeFalse("the activation is still deactivating");
        release();

        (await deactivation).Should().BeTrue();
        (await call).Should().NotBe(firstActivation);
        GrainProbe.Activations(key).Should().Be(2);
    }

    [Fact]
    public async Task Explicit_deactivation_has_finished_when_it_returns()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var key = $"explicit-{Guid.NewGuid():N}";
        await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();

        (await cluster.Silos[1].Management.DeactivateAsync<ICounterGrain>(key, CancellationToken.None)).Should().BeTrue();

        GrainProbe.WhenDeactivated(key).IsCompletedSuccessfully.Should().BeTrue();
        (await GrainProbe.WhenDeactivated(key)).Should().Be(DeactivationReason.ExternalRequest);
        (await cluster.Silos[0].Management.FindActivationAsync<ICounterGrain>(key, CancellationToken.None)).Should().BeNull();
        (await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key).GetAsync()).Should().Be(0, "state lived in the old activation");
    }

    [Fact]
    public async Task DeactivateOnIdle_ends_the_activation_after_the_call()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var key = $"on-idle-{Guid.NewGuid():N}";
        var grain = cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key);

        await grain.DeactivateAsync();

        (await GrainProbe.WhenDeactivated(key).WaitAsync(Wait)).Should().Be(DeactivationReason.ApplicationRequested);
    }

    [Fact]
    public async Task Graceful_shutdown_lets_running_calls_finish_and_deactivates_everything()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var leaving = cluster.Silos[0];
        var keys = Enumerable.Range(0, 20).Select(i => $"shutdown-{i}-{Guid.NewGuid():N}").ToList();
        await Task.WhenAll(keys.Select(k => leaving.GrainFactory.GetGrain<ICounterGrain>(k).IncrementAsync()));
        var leavingAddress = leaving.Services.GetRequiredService<LocalSilo>().Address.ToString();
        var ownKeys = new List<string>();
        foreach (var key in keys)
        {
            var owner = await leaving.Management.FindActivationAsync<ICounterGrain>(key, CancellationToken.None);
            if (owner?.Address == leavingAddress)
            {
                ownKeys.Add(key);
            }
        }

        ownKeys.Should().NotBeEmpty("rendezvous placement spreads 20 keys over both silos");
        var turnKey = $"shutdown-turn-{Guid.NewGuid():N}";
        var tracker = TurnProbe.For(turnKey);
        var running = leaving.GrainFactory.GetGrain<ITurnGrain>(turnKey).ExclusiveAsync("running");
        await tracker.WaitUntilAsync(inside => inside == 1, Wait);

        var stopping = leaving.StopAsync();
        tracker.Open("running");
        await running;
        await stopping;

        foreach (var key in ownKeys)
        {
            (await GrainProbe.WhenDeactivated(key).WaitAsync(Wait)).Should().Be(DeactivationReason.SiloShutdown);
        }

        (await cluster.Silos[1].Management.GetSilosAsync(CancellationToken.None)).Should().ContainSingle().Which.Address.Should().NotBe(leavingAddress);
        var entries = await cluster.Silos[1].Services.GetRequiredService<IGrainDirectory>().CountBySiloAsync(CancellationToken.None);
        entries.Keys.Select(a => a.ToString()).Should().NotContain(leavingAddress);
        (await cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(keys[0]).IncrementAsync()).Should().BeGreaterThan(0);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
