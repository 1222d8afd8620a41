using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>
/// Guarantees 1 and 5 under a real fault: a silo process killed with SIGKILL under load is declared dead
/// within the failure-detection limit, its grains come back on live silos, and no key is ever active on two
/// silos at overlapping times (per the activation log the grains themselves write).
/// </summary>
public sealed class SiloFailureTests(PostgresDatabaseFixture database, ITestOutputHelper output) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan FailureDetectionLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_killed_silo_s_grains_are_served_by_live_silos_with_no_overlapping_activations()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using (var create = dataSource.CreateCommand(ActivationLog.CreateTableSql))
        {
            await create.ExecuteNonQueryAsync();
        }

        await new MigrationRunner(NullLogger<MigrationRunner>.Instance).ApplyAsync(dataSource, ClusterSchema.Migrations);

        var children = Enumerable.Range(0, 3).Select(i => ChildSilo.Start($"child-{i}", database.ConnectionString)).ToList();
        try
        {
            var membership = new PostgresMembershipTable(dataSource);
            await WaitUntilAsync(async () => (await membership.ReadAllAsync(CancellationToken.None)).Entries.Count(e => e.Status == SiloStatus.Active) == 3, TimeSpan.FromSeconds(60), children);

            await using var clients = await TestCluster.StartAsync(database.ConnectionString, 0);
            var client = await clients.StartClientAsync();
            var keys = Enumerable.Range(0, 60).Select(i => $"logged-{i}").ToList();
            await Task.WhenAll(keys.Select(k => client.GetGrain<ILoggedGrain>(k).PingAsync()));

            // The victim is the silo holding the most keys.
            var owners = await OwnersAsync(dataSource);
            var victimName = owners.GroupBy(o => o.Value).OrderByDescending(g => g.Count()).First().Key;
            var victimKeys = owners.Where(o => o.Value == victimName).Select(o => o.Key).ToList();
            var victim = children.Single(c => c.Name == victimName);

            using var load = new CancellationTokenSource();
            var errors = new ConcurrentBag<Exception>();
            var lastSuccess = new ConcurrentDictionary<string, DateTime>();
            var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                var i = w;
                while (!load.IsCancellationRequested)
                {
                    var key = keys[i++ % keys.Count];
                    try
                    {
                        await client.GetGrain<ILoggedGrain>(key).PingAsync();
                        lastSuccess[key] = DateTime.UtcNow;
                    }
                    catch (Exception ex)
                    {
                        errors.Add(ex);
                    }
                }
            })).ToList();

            var killedAt = await DatabaseNowAsync(dataSource);
            var killed = Stopwatch.StartNew();
            var killedUtc = DateTime.UtcNow;
            victim.Kill();

            await WaitUntilAsync(
                () => Task.FromResult(victimKeys.All(k => lastSuccess.TryGetValue(k, out var at) && at > killedUtc)),
                FailureDetectionLimit + TimeSpan.FromSeconds(10),
                children);
            var recovered = killed.Elapsed;
            await load.CancelAsync();
            await Task.WhenAll(workers);
            output.WriteLine($"{victimKeys.Count} keys on {victimName}; all served elsewhere {recovered.TotalSeconds:F1} s after the kill; {errors.Count} errors");

            recovered.Should().BeLessThan(FailureDetectionLimit);
            errors.Should().BeEmpty("pings are idempotent and a dead silo's calls never started elsewhere");
            (await membership.ReadAllAsync(CancellationToken.None)).Entries.Should().Contain(e => e.SiloName == victimName && e.Status == SiloStatus.Dead);
            (await OverlapsAsync(dataSource, victimName, killedAt)).Should().BeEmpty();
        }
        finally
        {
            foreach (var child in children)
            {
                output.WriteLine($"--- {child.Name}\n{child.Output}");
                await child.DisposeAsync();
            }
        }
    }

    private static async Task<Dictionary<string, string>> OwnersAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT split_part(d.grain_id, '/', 2), s.silo_name
            FROM cluster.grain_directory d JOIN cluster.silos s ON s.endpoint = d.silo_endpoint AND s.generation = d.silo_generation
            WHERE d.grain_id LIKE 'logged/%'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var owners = new Dictionary<string, string>();
        while (await reader.ReadAsync())
        {
            owners[reader.GetString(0)] = reader.GetString(1);
        }

        return owners;
    }

    /// <summary>Pairs of activations of one key whose lifetimes overlap; the killed silo's end at the kill.</summary>
    private static async Task<List<string>> OverlapsAsync(NpgsqlDataSource dataSource, string victim, DateTime killedAt)
    {
        await using var command = dataSource.CreateCommand("""
            WITH lives AS (
                SELECT activation_id, grain_key, process, activated_at,
                       coalesce(deactivated_at, CASE WHEN process = $1 THEN $2 ELSE 'infinity'::timestamptz END) AS ended_at
                FROM test_activation_log)
            SELECT a.grain_key || ': ' || a.process || ' and ' || b.process
            FROM lives a JOIN lives b ON a.grain_key = b.grain_key AND a.activation_id < b.activation_id
            WHERE a.activated_at < b.ended_at AND b.activated_at < a.ended_at
            """);
        command.Parameters.AddWithValue(victim);
        command.Parameters.AddWithValue(killedAt);
        await using var reader = await command.ExecuteReaderAsync();
        var overlaps = new List<string>();
        while (await reader.ReadAsync())
        {
            overlaps.Add(reader.GetString(0));
        }

        return overlaps;
    }

    private static async Task<DateTime> DatabaseNowAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, IEnumerable<ChildSilo> children)
    {
        var waiting = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waiting.Elapsed > timeout)
            {
                throw new TimeoutException($"Condition not met within {timeout}.\n" + string.Join("\n", children.Select(c => $"--- {c.Name}\n{c.Output}")));
            }

            await Task.Delay(100);
        }
    }
}
