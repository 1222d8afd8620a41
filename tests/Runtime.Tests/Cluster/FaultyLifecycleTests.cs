using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>
/// Guarantee 3 against grain code that misbehaves: whatever OnActivateAsync, OnDeactivateAsync, Dispose or a running
/// call do (throw, or hang deaf to cancellation), the activation ends within the configured bounds, releases what it
/// holds, and its key can be activated again.
/// </summary>
public sealed class FaultyLifecycleTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_grain_whose_dispose_throws_is_still_deactivated_unregistered_and_activated_again()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];
        var key = $"dispose-throws-{Guid.NewGuid():N}";
        var plan = FaultPlan.For(key);
        plan.ThrowOnDispose = true;
        var grain = silo.GrainFactory.GetGrain<IFaultyGrain>(key);
        var first = await grain.PingAsync();

        (await silo.Management.DeactivateAsync<IFaultyGrain>(key, CancellationToken.None).WaitAsync(Wait)).Should().BeTrue();

        plan.Count(FaultEvent.Disposed).Should().Be(1);
        (await LookupAsync(silo, key)).Should().BeNull();
        (await grain.PingAsync().WaitAsync(Wait)).Should().NotBe(first);
    }

    [Fact]
    public async Task A_grain_whose_OnDeactivateAsync_hangs_is_gone_after_the_lifecycle_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, o => o.LifecycleTimeout = TimeSpan.FromSeconds(1));
        var silo = cluster.Silos[0];
        var key = $"deactivate-hangs-{Guid.NewGuid():N}";
        var plan = FaultPlan.For(key);
        plan.HangOnDeactivate = true;
        var grain = silo.GrainFactory.GetGrain<IFaultyGrain>(key);
        try
        {
            var first = await grain.PingAsync();

            (await silo.Management.DeactivateAsync<IFaultyGrain>(key, CancellationToken.None).WaitAsync(Wait)).Should().BeTrue();

            plan.Count(FaultEvent.Disposed).Should().Be(1, "what the activation holds is released even so");
            (await LookupAsync(silo, key)).Should().BeNull();
            (await grain.PingAsync().WaitAsync(Wait)).Should().NotBe(first);
        }
        finally
        {
            plan.ReleaseHang();
        }
    }

    [Fact]
    public async Task Deactivation_waits_for_a_running_call_only_as_long_as_the_drain_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, o => o.DeactivationDrainTimeout = TimeSpan.FromSeconds(1));
        var silo = cluster.Silos[0];
        var key = $"drain-{Guid.NewGuid():N}";
        var plan = FaultPlan.For(key);
        var grain = silo.GrainFactory.GetGrain<IFaultyGrain>(key);
        var first = await grain.PingAsync();
        var hanging = grain.HangAsync();
        await plan.When(FaultEvent.Hanging).WaitAsync(Wait);

        (await silo.Management.DeactivateAsync<IFaultyGrain>(key, CancellationToken.None).WaitAsync(Wait)).Should().BeTrue();

        plan.DeactivationReasons.Should().Equal(DeactivationReason.ExternalRequest);
        hanging.IsCompleted.Should().BeFalse("the call still runs; the deactivation stopped waiting for it");
        (await grain.PingAsync().WaitAsync(Wait)).Should().NotBe(first);
        plan.ReleaseHang();
        await hanging.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_failing_OnActivateAsync_fails_the_call_and_its_activation_is_deactivated_and_disposed()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];
        var key = $"activate-throws-{Guid.NewGuid():N}";
        var plan = FaultPlan.For(key);
        plan.ThrowOnActivate = true;
        var grain = silo.GrainFactory.GetGrain<IFaultyGrain>(key);

        await grain.Invoking(g => g.PingAsync().WaitAsync(Wait)).Should().ThrowAsync<InvalidOperationException>().WithMessage("OnActivateAsync failed on purpose.");

        plan.DeactivationReasons.Should().Equal(DeactivationReason.ActivationFailed);
        plan.Count(FaultEvent.Disposed).Should().Be(1);
        (await LookupAsync(silo, key)).Should().BeNull();
        plan.ThrowOnActivate = false;
        await grain.PingAsync().WaitAsync(Wait);
        plan.Count(FaultEvent.Activated).Should().Be(2);
    }

    [Fact]
    public async Task An_OnActivateAsync_that_hangs_fails_the_call_after_the_lifecycle_timeout_and_is_cleaned_up()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, o => o.LifecycleTimeout = TimeSpan.FromSeconds(1));
        var silo = cluster.Silos[0];
        var key = $"activate-hangs-{Guid.NewGuid():N}";
        var plan = FaultPlan.For(key);
        plan.HangOnActivate = true;
        var grain = silo.GrainFactory.GetGrain<IFaultyGrain>(key);
        try
        {
            var failing = Stopwatch.StartNew();
            await grain.Invoking(g => g.PingAsync().WaitAsync(Wait)).Should().ThrowAsync<TimeoutException>().WithMessage("OnActivateAsync*");
            failing.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the call timeout is 20 s; the lifecycle timeout 1 s");

            plan.DeactivationReasons.Should().Equal(DeactivationReason.ActivationFailed);
            plan.Count(FaultEvent.Disposed).Should().Be(1);
            (await LookupAsync(silo, key)).Should().BeNull();
        }
        finally
        {
            plan.ReleaseHang();
        }
    }

    private static Task<GrainAddress?> LookupAsync(TestSilo silo, string key) =>
        silo.Services.GetRequiredService<IGrainDirectory>().LookupAsync(new GrainId("faulty", key), CancellationToken.None);
}
