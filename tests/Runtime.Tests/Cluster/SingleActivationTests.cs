using FluentAssertions;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>Guarantee 1: one activation per grain key in the whole cluster.</summary>
public sealed class SingleActivationTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Theory]
    [InlineData(PlacementNames.Rendezvous)]
    [InlineData(PlacementNames.PreferLocal)]
    public async Task First_calls_from_every_silo_at_once_activate_exactly_once(string placement)
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 3, o => o.Placement = placement);
        var key = $"first-call-{placement}-{Guid.NewGuid():N}";

        // 50 concurrent callers spread over the three silos; prefer-local makes every silo try to activate locally.
        var calls = Enumerable.Range(0, 50)
            .Select(i => Task.Run(() => cluster.Silos[i % 3].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync()));
        var results = await Task.WhenAll(calls);

        GrainProbe.Activations(key).Should().Be(1);
        results.Should().OnlyHaveUniqueItems().And.HaveCount(50);
        results.Max().Should().Be(50);
    }

    [Fact]
    public async Task A_cluster_client_reaches_the_same_single_activation()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var client = await cluster.StartClientAsync();
        var key = $"client-{Guid.NewGuid():N}";

        await client.GetGrain<ICounterGrain>(key).IncrementAsync();
        await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        var value = await cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();

        value.Should().Be(3);
        GrainProbe.Activations(key).Should().Be(1);
    }

    [Fact]
    public async Task A_grain_exception_reaches_remote_and_local_callers_with_its_type_and_message()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2);
        var client = await cluster.StartClientAsync();
        var key = $"fail-{Guid.NewGuid():N}";

        var remote = () => client.GetGrain<ICounterGrain>(key).FailAsync("boom from the grain");
        var viaSilos = cluster.Silos.Select(s => (Func<Task>)(() => s.GrainFactory.GetGrain<ICounterGrain>(key).FailAsync("boom from the grain")));

        await remote.Should().ThrowAsync<InvalidOperationException>().WithMessage("boom from the grain");
        foreach (var call in viaSilos)
        {
            await call.Should().ThrowAsync<InvalidOperationException>().WithMessage("boom from the grain");
        }
    }
}
