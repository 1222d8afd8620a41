using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTenants.Runtime.Messaging;
using OrleansTenants.Runtime.Tests.Cluster;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Messaging;

/// <summary>
/// Operators configure nothing: silos that start at once on an empty cluster database create one secret between them,
/// and they and a cluster client use it without being told.
/// </summary>
public sealed class ClusterSecretFirstStartTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Silos_starting_at_once_on_a_fresh_database_create_one_secret_and_serve_each_other_and_a_client()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 3);

        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        await using (var count = dataSource.CreateCommand("SELECT count(*) FROM cluster.cluster_secret"))
        {
            ((long)(await count.ExecuteScalarAsync())!).Should().Be(1);
        }

        var headers = await Task.WhenAll(cluster.Silos.Select(s => s.Services.GetRequiredService<ClusterCredentials>().GetAuthorizationAsync(CancellationToken.None).AsTask()));
        headers.Distinct().Should().ContainSingle();

        // Every key is called from the client and from each silo, so most calls cross to another silo.
        var client = await cluster.StartClientAsync();
        var keys = Enumerable.Range(0, 30).Select(i => $"first-start-{i}-{Guid.NewGuid():N}").ToList();
        foreach (var key in keys)
        {
            await client.GetGrain<ICounterGrain>(key).IncrementAsync();
            foreach (var silo in cluster.Silos)
            {
                await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
            }

            (await client.GetGrain<ICounterGrain>(key).GetAsync()).Should().Be(4);
        }

        var silos = await cluster.Silos[0].Management.GetSilosAsync(CancellationToken.None);
        silos.Should().HaveCount(3).And.OnlyContain(s => s.Activations > 0, "rendezvous placement spreads 30 keys over every silo");
    }
}
