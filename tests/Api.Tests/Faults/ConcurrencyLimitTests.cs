using System.Net;
using FluentAssertions;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>Two silos and one dedicated tenant (a database the platform creates on the shared test server).</summary>
public sealed class ConcurrencyLimitFixture : IAsyncLifetime
{
    public ApiCluster Cluster { get; } = new();

    public string Tenant { get; } = $"limited-{Guid.NewGuid().ToString("N")[..8]}";

    public string Key { get; private set; } = null!;

    /// <summary>The physical database that <c>createDatabase</c> provisions for the tenant.</summary>
    public string Database => "tenant_" + Tenant.Replace('-', '_');

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Key = await Cluster.CreateTenantAsync(Tenant, new { mode = "dedicated", createDatabase = true });
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Cluster.Server.DropDatabaseAsync(Database);
    }
}

/// <summary>
/// A tenant's concurrency limit: calls beyond it are answered 429 with Retry-After after a short wait for a slot,
/// instead of queueing behind slow ones. A lock held on one table makes a call slow on purpose; the limit, not the
/// lock, is what a call on another table then runs into.
/// </summary>
public sealed class ConcurrencyLimitTests(ConcurrencyLimitFixture fixture, ITestOutputHelper output) : IClassFixture<ConcurrencyLimitFixture>
{
    [Fact]
    public async Task A_call_beyond_the_tenants_concurrency_limit_is_answered_429_at_once_and_the_slot_comes_back()
    {
        var tenant = fixture.Tenant;
        await using (var catalog = new NpgsqlConnection(fixture.Cluster.CatalogConnectionString))
        {
            await catalog.OpenAsync();
            await using var update = new NpgsqlCommand("UPDATE catalog.tenants SET max_concurrency = 1 WHERE id = $1", catalog);
            update.Parameters.AddWithValue(tenant);
            (await update.ExecuteNonQueryAsync()).Should().Be(1);
        }

        using (var deactivated = await fixture.Cluster.Admin.PostAsync($"/admin/tenants/{tenant}/deactivate", null))
        {
            deactivated.StatusCode.Should().Be(HttpStatusCode.OK, await deactivated.Content.ReadAsStringAsync());
        }

        (await FaultHttp.GetJsonAsync(fixture.Cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("maxConcurrency").GetInt32().Should().Be(1);

        using var http = fixture.Cluster.TenantClient(fixture.Key);
        using var other = fixture.Cluster.TenantClient(fixture.Key, silo: 1);
        await FaultHttp.CreateAsync(http, tenant, "accounts", new { name = "Slow to list" });
        (await FaultHttp.GetAsync(http, $"/api/tenants/{tenant}/tasks")).Status.Should().Be(HttpStatusCode.OK, "one call at a time is within the limit");

        await using var blocker = new NpgsqlConnection(fixture.Cluster.Server.GetConnectionString(fixture.Database));
        await blocker.OpenAsync();
        var lockHeld = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE crm.accounts IN ACCESS EXCLUSIVE MODE", blocker, lockHeld))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        Task<Answer> slow;
        Answer refused;
        try
        {
            // The tenant's only slot: a list that waits on the lock (until the statement timeout, 5 s, at most).
            slow = FaultHttp.GetAsync(http, $"/api/tenants/{tenant}/accounts");
            await FaultHttp.EventuallyAsync(
                () => WaitingOnLocksAsync(fixture.Cluster.Server.GetConnectionString(), tenant),
                waiting => waiting > 0,
                TimeSpan.FromSeconds(4),
                "the tenant's list call waits on the table lock");

            // Another table, through the other silo: nothing blocks it but the limit.
            refused = await FaultHttp.GetAsync(other, $"/api/tenants/{tenant}/tasks");
            slow.IsCompleted.Should().BeFalse("the slow call still holds the slot");
        }
        finally
        {
            await lockHeld.RollbackAsync();
        }

        output.WriteLine($"Beyond the limit: {refused}");
        refused.Status.Should().Be(HttpStatusCode.TooManyRequests, refused.ToString());
        refused.ContentType.Should().Be("application/problem+json");
        refused.RetryAfter.Should().NotBeNull().And.BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        refused.Took.Should().BeLessThan(TimeSpan.FromSeconds(2.5), "a call beyond the limit waits briefly for a slot, not for the slow call");

        var released = await slow;
        released.Status.Should().Be(HttpStatusCode.OK, released.ToString());
        released.Body.Should().Contain("Slow to list");
        (await FaultHttp.GetAsync(other, $"/api/tenants/{tenant}/tasks")).Status.Should().Be(HttpStatusCode.OK, "the slot is free again");
    }

    // On a connection of its own: within a transaction, pg_stat_activity answers from a snapshot taken at first use.
    private static async Task<long> WaitingOnLocksAsync(string connectionString, string tenant)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", connection);
        command.Parameters.AddWithValue($"orleans-tenants:{tenant}");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
