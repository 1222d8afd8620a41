using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.Runtime.Placement;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>Guarantee 5 for a silo host that stopped answering: connecting times out, and the call fails over instead of failing.</summary>
public sealed class UnresponsiveSiloTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_call_placed_on_a_silo_whose_host_never_accepts_the_connection_is_served_by_a_live_silo()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];

        // A listener with a backlog of one that never accepts: once one connection fills it, the kernel drops further
        // connection attempts, as with a host that froze, and connecting times out instead of being refused.
        using var frozen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        frozen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        frozen.Listen(0);
        var endpoint = (IPEndPoint)frozen.LocalEndPoint!;
        using var filler = new TcpClient();
        await filler.ConnectAsync(endpoint);
        var unresponsive = new SiloAddress($"127.0.0.1:{endpoint.Port}", 1);
        await AddActiveSiloAsync(unresponsive);

        var views = silo.Services.GetRequiredService<IMembershipView>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (!views.Current.IsActive(unresponsive))
            {
                await views.RefreshAsync(TimeSpan.FromSeconds(1), timeout.Token);
            }
        }

        var placement = new RendezvousPlacement();
        var key = Enumerable.Range(0, 1000).Select(i => $"frozen-{i}-{Guid.NewGuid():N}")
            .First(k => placement.Place(new GrainId("counter", k), views.Current) == unresponsive);

        var calling = Stopwatch.StartNew();
        (await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync()).Should().Be(1);

        calling.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1.5), "the first attempt waited for the 2 s connect timeout");
    }

    // Joined like a silo (the version moves), with a heartbeat two seconds ahead so that the live silo declares it
    // dead only some seconds after the test started calling it.
    private async Task AddActiveSiloAsync(SiloAddress address)
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var add = dataSource.CreateCommand("""
            WITH v AS (UPDATE cluster.membership_version SET version = version + 1 RETURNING version)
            INSERT INTO cluster.silos (endpoint, generation, status, silo_name, started_at, heartbeat_at)
            SELECT $1, $2, 'active', 'frozen', now(), now() + interval '2 seconds' FROM v
            """);
        add.Parameters.AddWithValue(address.Endpoint);
        add.Parameters.AddWithValue(address.Generation);
        (await add.ExecuteNonQueryAsync()).Should().Be(1);
    }
}
