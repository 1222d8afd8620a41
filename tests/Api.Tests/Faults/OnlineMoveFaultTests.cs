using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// Online moves through faults: a job whose silo is killed goes on from its recorded phase on a live silo, and a target
/// that stops taking connections mid-move fails the move with the tenant serving where it was. Either way nothing of
/// the replication is left once the job is done.
/// </summary>
public sealed class OnlineMoveFaultTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    // A job whose silo died is woken by its reminder, which ticks once a minute.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_move_whose_job_silo_is_killed_while_preparing_goes_on_from_there_on_a_live_silo()
    {
        await using var doomed = cluster.StartSiloProcess("job-host");
        await cluster.WaitUntilActiveAsync("job-host", doomed);
        using var viaDoomed = ApiCluster.NewClient(await SiloUrlAsync("job-host"), ApiCluster.AdminKey);
        var tenant = $"killed-{Guid.NewGuid():N}"[..20];
        var key = await cluster.CreateTenantAsync(tenant, new { mode = "single" });
        using var http = cluster.TenantClient(key);
        var before = await FaultHttp.CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var target = await cluster.RegisterSharedDatabaseAsync("killed");
        string location;
        Guid during;
        await using (var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes", "SHARE"))
        {
            // The job lives where the move was asked for: on the silo about to die, held while it prepares the target.
            using var started = await viaDoomed.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "online" });
            started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            location = started.Headers.Location!.ToString();
            await held.WaitForWaiterAsync(Patience);

            doomed.Signal(Signals.SigKill);
            // The tenant's grain may have lived there too: a write answered 503 is repeated with its key, as the contract says.
            during = await WriteUntilAcknowledgedAsync(http, tenant, new { body = "written after the job's silo died" });
        }

        var move = await FollowAsync(location);

        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        (await FaultHttp.GetJsonAsync(cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be(target.Name);
        (await NoteIdsAsync(http, tenant)).Should().BeEquivalentTo([before, during]);
        await ShouldLeaveNoReplicationAsync(move);
        await cluster.Server.DropDatabaseAsync(target.Name);
    }

    [Fact]
    public async Task A_target_that_stops_taking_connections_mid_move_fails_it_and_the_tenant_serves_where_it_was()
    {
        var tenant = $"dark-{Guid.NewGuid():N}"[..20];
        var key = await cluster.CreateTenantAsync(tenant, new { mode = "single" });
        using var http = cluster.TenantClient(key);
        var before = await FaultHttp.CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var target = await cluster.RegisterSharedDatabaseAsync("dark");
        string location;
        await using (var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes", "SHARE"))
        {
            using var started = await cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "online" });
            started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            location = started.Headers.Location!.ToString();
            await held.WaitForWaiterAsync(Patience);
            // The target goes dark: no new session, and the ones it had are ended (the job's among them).
            await SuperuserAsync($"ALTER DATABASE \"{target.Name}\" ALLOW_CONNECTIONS false");
            await SuperuserAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{target.Name}' AND pid <> pg_backend_pid()");
        }

        var failed = await FaultHttp.EventuallyAsync(
            () => cluster.Admin.GetFromJsonAsync<JsonElement>(location), m => m.GetProperty("status").GetString() == "failed", Patience, "the move fails");
        failed.GetProperty("error").GetString().Should().Contain("the tenant stayed where it was");
        (await FaultHttp.GetJsonAsync(cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be("main");
        (await NoteIdsAsync(http, tenant)).Should().Equal(before);
        // The slot on the source goes even while the target is dark: left behind, it would keep WAL forever.
        await FaultHttp.EventuallyAsync(() => SlotsOfAsync(failed), slots => slots == 0, Patience, "the move's slot dropped while the target is dark");

        await SuperuserAsync($"ALTER DATABASE \"{target.Name}\" ALLOW_CONNECTIONS true");
        var move = await FollowAsync(location);
        await ShouldLeaveNoReplicationAsync(move);
        await cluster.Server.DropDatabaseAsync(target.Name);
    }

    /// <summary>The silo's web address, once the cluster view knows it (a silo joins before its web server listens).</summary>
    private async Task<Uri> SiloUrlAsync(string name) => new((await FaultHttp.EventuallyAsync(
        async () => (await cluster.Admin.GetFromJsonAsync<JsonElement>("/admin/cluster")).GetProperty("silos").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == name && s.GetProperty("status").GetString() == "active").GetProperty("url").GetString(),
        url => url is not null,
        Patience,
        $"the web address of silo '{name}'"))!);

    /// <summary>Follows a move until it ended and nothing of it is left to clean up.</summary>
    private Task<JsonElement> FollowAsync(string location) => FaultHttp.EventuallyAsync(
        () => cluster.Admin.GetFromJsonAsync<JsonElement>(location),
        move => move.GetProperty("status").GetString() is "completed" or "failed" or "cancelled" && move.GetProperty("phase").ValueKind == JsonValueKind.Null,
        Patience,
        $"the move at {location} ends and is cleaned up");

    private static async Task<Guid> WriteUntilAcknowledgedAsync(HttpClient http, string tenant, object note)
    {
        var key = Guid.NewGuid().ToString("N");
        var answer = await FaultHttp.EventuallyAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tenants/{tenant}/notes") { Content = JsonContent.Create(note) };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await http.SendAsync(request);
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            },
            answer => answer.StatusCode != HttpStatusCode.ServiceUnavailable,
            Patience,
            "the write acknowledged");
        answer.StatusCode.Should().Be(HttpStatusCode.Created, answer.Body);
        return ApiCluster.Json(answer.Body).GetProperty("id").GetGuid();
    }

    private static async Task<List<Guid>> NoteIdsAsync(HttpClient http, string tenant) =>
        [.. (await FaultHttp.GetJsonAsync(http, $"/api/tenants/{tenant}/notes?limit=500")).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

    private async Task<long> SlotsOfAsync(JsonElement move)
    {
        await using var connection = new NpgsqlConnection(cluster.Server.GetConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", connection);
        command.Parameters.AddWithValue($"ot_move_{move.GetProperty("id").GetGuid():N}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Nothing of the move's replication is left; its source is <c>main</c>, the catalog's database.</summary>
    private Task ShouldLeaveNoReplicationAsync(JsonElement move) => ReplicationLeftovers.ShouldBeNoneAsync(cluster.CatalogConnectionString, move);

    private async Task SuperuserAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.Server.GetConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
