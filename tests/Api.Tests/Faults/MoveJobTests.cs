using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// A move's job keeps its state in Orleans grain storage (<c>orleans.orleansstorage</c>): a write over a version it did
/// not read is refused (ETag) and the job applies its step to the stored state instead of losing it; a tenant whose
/// silo is killed in the middle of its copy stays where it was, and the job records the move as failed.
/// </summary>
public sealed class MoveJobTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_job_whose_stored_state_was_changed_meanwhile_still_records_its_outcome()
    {
        var key = await cluster.CreateTenantAsync("etag", new { mode = "single" });
        using var http = cluster.TenantClient(key);
        await FaultHttp.CreateAsync(http, "etag", "notes", new { body = "moved" });
        var target = await cluster.RegisterSharedDatabaseAsync("etag");
        await using var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes");

        var location = await StartOfflineMoveAsync("etag", target.Name);
        await held.WaitForWaiterAsync(Patience);
        // The job wrote its state when it started; another writer moves the stored version on behind its back.
        var bumped = await ScalarAsync<int>("UPDATE orleans.orleansstorage SET version = version + 1 WHERE position($1 in payloadbinary) > 0 RETURNING version", "etag");
        await held.DisposeAsync();

        var move = await FollowAsync(location);
        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        var (version, job) = await FaultHttp.EventuallyAsync(
            () => StoredJobAsync("etag"), stored => stored.Job.Contains("\"Completed\"", StringComparison.Ordinal), Patience, "the job's outcome in grain storage");
        version.Should().Be(bumped + 1, "the job's write over the version it had read was refused; it wrote over the stored one");
        job.Should().NotContain("Password").And.NotContain(target.AppConnectionString);
    }

    [Fact]
    public async Task A_tenant_whose_silo_is_killed_during_the_copy_stays_where_it_was_and_its_move_is_failed()
    {
        await using var doomed = cluster.StartSiloProcess("mover");
        var address = await cluster.WaitUntilActiveAsync("mover", doomed);
        var (tenant, key) = await cluster.TenantPlacedOnAsync(address, "cut");
        using var http = cluster.TenantClient(key);
        var account = await FaultHttp.CreateAsync(http, tenant, "accounts", new { name = "Still here" });
        var target = await cluster.RegisterSharedDatabaseAsync("cut");
        await using var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes");

        // Accepted by an in-process silo, whose job asks the tenant's grain (on 'mover') to run the move.
        var location = await StartOfflineMoveAsync(tenant, target.Name);
        await held.WaitForWaiterAsync(Patience);
        doomed.Signal(Signals.SigKill);
        await held.DisposeAsync();

        var move = await FollowAsync(location);
        move.GetProperty("status").GetString().Should().Be("failed", move.ToString());
        move.GetProperty("error").GetString().Should().Contain("interrupted");
        (await FaultHttp.GetJsonAsync(cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("mode").GetString().Should().Be("single");
        (await FaultHttp.GetAsync(http, $"/api/tenants/{tenant}/accounts/{account}")).Body.Should().Contain("Still here");
        await FaultHttp.EventuallyAsync(
            () => StoredJobAsync(tenant), stored => stored.Job.Contains("\"Failed\"", StringComparison.Ordinal), Patience, "the job's outcome in grain storage");
    }

    private async Task<string> StartOfflineMoveAsync(string tenant, string database)
    {
        using var started = await cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database }, mode = "offline" });
        started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        return started.Headers.Location!.ToString();
    }

    private Task<JsonElement> FollowAsync(string location) => FaultHttp.EventuallyAsync(
        () => cluster.Admin.GetFromJsonAsync<JsonElement>(location),
        move => move.GetProperty("status").GetString() is "completed" or "failed",
        Patience,
        $"the move at {location} ends");

    /// <summary>The stored version and JSON of the move job of <paramref name="tenant"/> (its only job).</summary>
    private async Task<(int Version, string Job)> StoredJobAsync(string tenant)
    {
        await using var connection = new NpgsqlConnection(cluster.CatalogConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version, payloadbinary FROM orleans.orleansstorage WHERE position($1 in payloadbinary) > 0", connection);
        command.Parameters.AddWithValue(Encoding.UTF8.GetBytes($"\"{tenant}\""));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(1))) : (0, "");
    }

    private async Task<T> ScalarAsync<T>(string sql, string tenant)
    {
        await using var connection = new NpgsqlConnection(cluster.CatalogConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(Encoding.UTF8.GetBytes($"\"{tenant}\""));
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
