using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>
/// The silo's membership service against a real database: it fences itself in time when its heartbeat stalls, serves
/// again once it can heartbeat, never while it stops, and deletes rows of silos that have been dead for long.
/// </summary>
public sealed class MembershipServiceTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_silo_whose_heartbeat_stalls_stops_serving_within_the_death_timeout_and_serves_again_after()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];
        var local = silo.Services.GetRequiredService<LocalSilo>();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);

        await using (var stall = await StallHeartbeatsAsync(dataSource, silo.Address))
        {
            var stalled = Stopwatch.StartNew();
            await WaitUntilAsync(() => Task.FromResult(!local.IsServing));

            // The last heartbeat was at most one period before the stall; peers may declare the silo dead once the
            // database sees it silent for the death timeout (3 s), so it must have fenced itself before that.
            stalled.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
        }

        await WaitUntilAsync(() => Task.FromResult(local.IsServing));
    }

    [Fact]
    public async Task A_fenced_silo_that_is_stopping_does_not_serve_again_when_its_heartbeats_resume()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];
        var local = silo.Services.GetRequiredService<LocalSilo>();
        var views = silo.Services.GetRequiredService<IMembershipView>();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);

        await using (await StallHeartbeatsAsync(dataSource, silo.Address))
        {
            await WaitUntilAsync(() => Task.FromResult(!local.IsServing));

            // What a shutdown does first; its status write has not landed yet, so the table still says active.
            local.StopServing();
        }

        await WaitUntilAsync(async () => await HeartbeatAgeAsync(dataSource, silo) < TimeSpan.FromMilliseconds(400));
        for (var probes = 0; probes < 3; probes++)
        {
            await views.RefreshAsync(Wait, CancellationToken.None);
        }

        views.Current.IsActive(silo.Address).Should().BeTrue();
        local.IsServing.Should().BeFalse();
    }

    [Fact]
    public async Task Silos_delete_the_rows_of_silos_dead_for_longer_than_the_retention()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1, o =>
        {
            o.DefunctSiloRetention = TimeSpan.FromMinutes(5);
            o.DefunctSiloCleanupPeriod = TimeSpan.FromMilliseconds(500);
        });
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using (var add = dataSource.CreateCommand("""
            INSERT INTO cluster.silos (endpoint, generation, status, silo_name, started_at, heartbeat_at)
            VALUES ('long-dead:1', 1, 'dead', 'long dead', now() - interval '2 hours', now() - interval '1 hour'),
                   ('just-dead:1', 1, 'dead', 'just dead', now() - interval '2 hours', now() - interval '1 minute')
            """))
        {
            await add.ExecuteNonQueryAsync();
        }

        await WaitUntilAsync(async () => !(await EndpointsAsync(dataSource)).Contains("long-dead:1"));

        (await EndpointsAsync(dataSource)).Should().Contain("just-dead:1").And.Contain(cluster.Silos[0].Address.Endpoint);
    }

    /// <summary>Holds the silo's row lock, so its heartbeat statements wait as they would on a stalled database.</summary>
    private static async Task<IAsyncDisposable> StallHeartbeatsAsync(NpgsqlDataSource dataSource, SiloAddress silo)
    {
        var connection = await dataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var lockRow = new NpgsqlCommand("SELECT 1 FROM cluster.silos WHERE endpoint = $1 AND generation = $2 FOR UPDATE", connection, transaction);
        lockRow.Parameters.AddWithValue(silo.Endpoint);
        lockRow.Parameters.AddWithValue(silo.Generation);
        (await lockRow.ExecuteScalarAsync()).Should().Be(1);
        return new Stall(connection, transaction);
    }

    private static async Task<TimeSpan> HeartbeatAgeAsync(NpgsqlDataSource dataSource, TestSilo silo)
    {
        await using var command = dataSource.CreateCommand("SELECT now() - heartbeat_at FROM cluster.silos WHERE endpoint = $1 AND generation = $2");
        command.Parameters.AddWithValue(silo.Address.Endpoint);
        command.Parameters.AddWithValue(silo.Address.Generation);
        return (TimeSpan)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> EndpointsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT endpoint FROM cluster.silos");
        await using var reader = await command.ExecuteReaderAsync();
        var endpoints = new List<string>();
        while (await reader.ReadAsync())
        {
            endpoints.Add(reader.GetString(0));
        }

        return endpoints;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private sealed class Stall(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
