using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>A silo that reads itself as dead stops serving and ends its activations: no zombies.</summary>
public sealed class ZombieTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_silo_declared_dead_by_its_peers_deactivates_everything_and_stops()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2, o => o.Placement = PlacementNames.PreferLocal);
        var zombie = cluster.Silos[0];
        var address = zombie.Services.GetRequiredService<LocalSilo>().Address;
        var key = $"zombie-{Guid.NewGuid():N}";
        await zombie.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        (await zombie.Management.FindActivationAsync<ICounterGrain>(key, CancellationToken.None))!.Address.Should().Be(address.ToString(), "placement prefers the calling silo");

        // What a peer does when this silo's heartbeats stop arriving, done directly.
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using (var declare = dataSource.CreateCommand("""
            WITH v AS (UPDATE cluster.membership_version SET version = version + 1 RETURNING version)
            UPDATE cluster.silos SET status = 'dead', etag = etag + 1 FROM v WHERE endpoint = $1 AND generation = $2
            """))
        {
            declare.Parameters.AddWithValue(address.Endpoint);
            declare.Parameters.AddWithValue(address.Generation);
            (await declare.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var lifetime = zombie.Services.GetRequiredService<IHostApplicationLifetime>();
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(20));

        (await GrainProbe.WhenDeactivated(key).WaitAsync(TimeSpan.FromSeconds(20))).Should().Be(DeactivationReason.SiloDeclaredDead);
        zombie.Services.GetRequiredService<LocalSilo>().IsServing.Should().BeFalse();
        (await cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync()).Should().Be(1, "a new activation on the live silo");
    }
}
