using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Grains.Administration;
using Xunit;

namespace OrleansTenants.Grains.Tests.Tenants;

/// <summary>The TenantGrain itself, called as the API calls it: its gate on keys, its guard on concurrency, its pool lease.</summary>
public sealed class TenantGrainTests(TenantGrainCluster cluster) : IClassFixture<TenantGrainCluster>
{
    private static readonly Dictionary<string, string?> NoQuery = [];

    [Fact]
    public async Task The_gate_serves_the_tenants_key_and_refuses_any_other_before_touching_data()
    {
        var (id, keyHash) = await cluster.CreateTenantAsync();
        var grain = cluster.Cluster.Client.GetGrain<ITenantGrain>(id);

        var served = await grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None);
        var refused = await grain.ListAsync(new byte[32], "accounts", NoQuery, CancellationToken.None);
        var unknown = await grain.ListAsync(keyHash, "no-such-resource", NoQuery, CancellationToken.None);

        served.Outcome.Should().Be(TenantOutcome.Ok);
        JsonDocument.Parse(served.Json!).RootElement.GetProperty("items").GetArrayLength().Should().Be(0);
        refused.Should().Be(new TenantResult(TenantOutcome.Unauthorized));
        unknown.Outcome.Should().Be(TenantOutcome.NotFound);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_by_the_next_call_because_the_change_deactivates_the_activation()
    {
        var (id, keyHash) = await cluster.CreateTenantAsync();
        var administration = cluster.Silo.GetRequiredService<TenantAdministration>();
        var second = await administration.IssueApiKeyAsync(id, null, "test", CancellationToken.None);
        var grain = cluster.Cluster.Client.GetGrain<ITenantGrain>(id);
        (await grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None)).Outcome.Should().Be(TenantOutcome.Ok);

        (await administration.RevokeApiKeyAsync(id, second.Id, "test", CancellationToken.None)).Should().BeTrue();
        var revokedHash = Catalog.Store.ApiKeyCatalog.Hash(second.Key);

        (await grain.ListAsync(revokedHash, "accounts", NoQuery, CancellationToken.None)).Outcome.Should().Be(TenantOutcome.Unauthorized);
        (await grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None)).Outcome.Should().Be(TenantOutcome.Ok);
    }

    [Fact]
    public async Task The_guard_answers_a_call_beyond_the_limit_with_a_retry_time_and_the_held_call_still_completes()
    {
        var (id, keyHash) = await cluster.CreateTenantAsync(maxConcurrency: 1);
        var grain = cluster.Cluster.Client.GetGrain<ITenantGrain>(id);
        (await grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None)).Outcome.Should().Be(TenantOutcome.Ok);
        var (database, name) = await cluster.OpenTenantDatabaseAsync(id);
        await using (database)
        {
            await using var holder = await database.OpenConnectionAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE crm.accounts IN ACCESS EXCLUSIVE MODE", holder, transaction))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            var held = grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None);
            await WaitUntilAsync(database, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", name, count => count == 1);

            var beyond = await grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None);
            await transaction.CommitAsync();

            beyond.Outcome.Should().Be(TenantOutcome.TooManyRequests);
            beyond.RetryAfterSeconds.Should().BeGreaterThan(0);
            (await held).Outcome.Should().Be(TenantOutcome.Ok);
        }
    }

    [Fact]
    public async Task The_activation_leases_its_own_pool_and_deactivating_it_closes_the_pool()
    {
        var (id, keyHash) = await cluster.CreateTenantAsync();
        var grain = cluster.Cluster.Client.GetGrain<ITenantGrain>(id);
        (await grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None)).Outcome.Should().Be(TenantOutcome.Ok);
        var (database, name) = await cluster.OpenTenantDatabaseAsync(id);
        await using (database)
        {
            const string AppConnections = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND usename <> current_user";
            await WaitUntilAsync(database, AppConnections, name, count => count >= 1);

            await cluster.Cluster.DeactivateAsync(grain);

            await WaitUntilAsync(database, AppConnections, name, count => count == 0);
            (await grain.ListAsync(keyHash, "accounts", NoQuery, CancellationToken.None)).Outcome.Should().Be(TenantOutcome.Ok);
        }
    }

    private static async Task WaitUntilAsync(NpgsqlDataSource database, string sql, string databaseName, Func<long, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        long count;
        do
        {
            await using var command = database.CreateCommand(sql);
            command.Parameters.AddWithValue(databaseName);
            count = (long)(await command.ExecuteScalarAsync(timeout.Token))!;
        }
        while (!condition(count) && await Pause(timeout.Token));

        condition(count).Should().BeTrue($"'{sql}' gave {count} within 30 s");
    }

    /// <summary>A short pause between two reads of the condition (the server's view changes on its own); false once the time is up.</summary>
    private static async Task<bool> Pause(CancellationToken timeout)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        return !timeout.IsCancellationRequested;
    }
}
