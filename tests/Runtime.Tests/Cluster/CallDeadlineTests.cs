using FluentAssertions;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>A caller's cancellation reaches the grain method, locally and across the wire; a call past its deadline times out.</summary>
public sealed class CallDeadlineTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_grain_that_fails_because_its_own_call_found_no_silo_ran_once_and_its_caller_hears_so()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var client = await cluster.StartClientAsync();
        var callers = new[] { cluster.Silos[0].GrainFactory, cluster.Silos[1].GrainFactory, client };

        for (var i = 0; i < callers.Length; i++)
        {
            var key = $"nested-{i}-{Guid.NewGuid():N}";

            // Not "this silo does not serve": the method ran, so no caller may send it again elsewhere.
            await callers[i].GetGrain<IFaultyGrain>(key).Invoking(g => g.FailLikeANestedCallAsync().WaitAsync(Wait))
                .Should().ThrowAsync<SiloUnavailableException>();
            FaultPlan.For(key).Count(FaultEvent.Invoked).Should().Be(1, $"caller {i}");
        }
    }

    [Fact]
    public async Task Cancelling_a_call_cancels_the_grain_method_on_the_same_silo_and_across_silos()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var client = await cluster.StartClientAsync();
        var key = $"cancel-{Guid.NewGuid():N}";
        var callers = new[] { cluster.Silos[0].GrainFactory, cluster.Silos[1].GrainFactory, client };

        for (var i = 0; i < callers.Length; i++)
        {
            var probe = $"{key}-{i}";
            using var cancellation = new CancellationTokenSource();
            var call = callers[i].GetGrain<ICounterGrain>(key).WaitForCancellationAsync(probe, cancellation.Token);
            await GrainProbe.WhenWaiting(probe).WaitAsync(Wait);

            await cancellation.CancelAsync();

            await call.Invoking(c => c.WaitAsync(Wait)).Should().ThrowAsync<OperationCanceledException>();
            await GrainProbe.WhenCancelled(probe).WaitAsync(Wait);
        }
    }

    [Fact]
    public async Task A_grain_that_cancels_itself_is_reported_as_cancelled_not_as_a_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var client = await cluster.StartClientAsync();
        var key = $"gives-up-{Guid.NewGuid():N}";

        foreach (var caller in new[] { cluster.Silos[0].GrainFactory, cluster.Silos[1].GrainFactory, client })
        {
            await caller.GetGrain<ICounterGrain>(key).Invoking(g => g.CancelItselfAsync().WaitAsync(Wait))
                .Should().ThrowExactlyAsync<OperationCanceledException>().WithMessage("The grain gave up on its own.");
        }
    }

    [Fact]
    public async Task A_call_that_outlives_the_call_timeout_fails_with_a_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, o => o.CallTimeout = TimeSpan.FromMilliseconds(500));
        var probe = $"timeout-{Guid.NewGuid():N}";

        var call = cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(probe).WaitForCancellationAsync(probe, CancellationToken.None);

        await call.Invoking(c => c.WaitAsync(Wait)).Should().ThrowAsync<TimeoutException>();
        await GrainProbe.WhenCancelled(probe).WaitAsync(Wait);
    }
}
