using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.TestSupport;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>The steps and checks the online move fault tests share.</summary>
public sealed partial class OnlineMoveFaultTests
{
    private const string HeldAccountName = "Held through the cut-over";

    /// <summary>
    /// A silo process of its own (to be killed), a single-mode tenant with a note and an account, a shared database to
    /// move it to, and the online move asked for through that silo, so its job runs there.
    /// </summary>
    private async Task<DoomedSiloMove> StartMoveOnDoomedSiloAsync(string silo, string prefix)
    {
        var doomed = Cluster.StartSiloProcess(silo);
        await Cluster.WaitUntilActiveAsync(silo, doomed);
        using var viaDoomed = ApiCluster.NewClient(await SiloUrlAsync(silo), ApiCluster.AdminKey);
        var tenant = $"{prefix}-{Guid.NewGuid():N}"[..20];
        var http = Cluster.TenantClient(await Cluster.CreateTenantAsync(tenant, new { mode = "single" }));
        var before = await FaultHttp.CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var account = await FaultHttp.CreateAsync(http, tenant, "accounts", new { name = "Before" });
        var target = await Cluster.RegisterSharedDatabaseAsync(prefix);
        using var started = await viaDoomed.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "online" });
        started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        return new DoomedSiloMove(doomed, http, tenant, before, account, target, started.Headers.Location!.ToString());
    }

    /// <summary>
    /// Holds the move at its cut-over, which waits for the tenant's writes in flight: a write of the tenant's waits on a
    /// lock of the source's accounts. Call it once the move is copying: while preparing, the lock would block the
    /// publication instead. Disposing ends the lock.
    /// </summary>
    private async Task<HeldCutOver> HoldCutOverAsync(DoomedSiloMove run)
    {
        var accounts = await HeldTableLock.TakeAsync(Cluster.CatalogConnectionString, "crm.accounts", "SHARE");
        var write = PatchHeldAccountAsync(run);
        await accounts.WaitForWaiterAsync(Patience);
        await PhaseAsync(run.Location, "cutting-over");
        return new HeldCutOver(accounts, write);
    }

    private static Task<HttpResponseMessage> PatchHeldAccountAsync(DoomedSiloMove run) =>
        run.Http.PatchAsync($"/api/tenants/{run.Tenant}/accounts/{run.Account}", JsonContent.Create(new { name = HeldAccountName }));

    /// <summary>The move completed to its target, with every acknowledged write there and nothing of its replication left.</summary>
    private async Task ShouldCompleteWithEveryWriteAsync(DoomedSiloMove run, Guid writtenDuring)
    {
        var move = await FollowAsync(run.Location);
        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        (await FaultHttp.GetJsonAsync(Cluster.Admin, $"/admin/tenants/{run.Tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be(run.Target.Name);
        (await NoteIdsAsync(run.Http, run.Tenant)).Should().BeEquivalentTo([run.Before, writtenDuring]);
        (await FaultHttp.GetJsonAsync(run.Http, $"/api/tenants/{run.Tenant}/accounts/{run.Account}")).GetProperty("name").GetString().Should().Be(HeldAccountName);
        await ShouldLeaveNoReplicationAsync(move);
        await Cluster.Server.DropDatabaseAsync(run.Target.Name);
    }

    /// <summary>The name of the move's subscription (and slot, and publication).</summary>
    private async Task<string> SubscriptionOfAsync(string location) =>
        $"ot_move_{(await Cluster.Admin.GetFromJsonAsync<JsonElement>(location)).GetProperty("id").GetGuid():N}";

    /// <summary>The silo's web address, once the cluster view knows it (a silo joins before its web server listens).</summary>
    private async Task<Uri> SiloUrlAsync(string name) => new((await FaultHttp.EventuallyAsync(
        async () => (await Cluster.Admin.GetFromJsonAsync<JsonElement>("/admin/cluster")).GetProperty("silos").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == name && s.GetProperty("status").GetString() == "active").GetProperty("url").GetString(),
        url => url is not null,
        Patience,
        $"the web address of silo '{name}'"))!);

    /// <summary>Follows a move until it ended and nothing of it is left to clean up.</summary>
    private Task<JsonElement> FollowAsync(string location) => FaultHttp.EventuallyAsync(
        () => Cluster.Admin.GetFromJsonAsync<JsonElement>(location),
        move => move.GetProperty("status").GetString() is "completed" or "failed" or "cancelled" && move.GetProperty("phase").ValueKind == JsonValueKind.Null,
        Patience,
        $"the move at {location} ends and is cleaned up");

    /// <summary>
    /// A write sent while its silo may die: acknowledged, or answered 503 (its grain lived on the killed silo), in
    /// which case the contract says to repeat it, as <paramref name="repeat"/> does until it is acknowledged.
    /// </summary>
    private static async Task AcknowledgedAsync(Task<HttpResponseMessage> sent, Func<Task<HttpResponseMessage>> repeat)
    {
        using var first = await sent;
        if (first.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            first.StatusCode.Should().Be(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
            return;
        }

        (await FaultHttp.EventuallyAsync(
            async () =>
            {
                using var again = await repeat();
                return again.StatusCode;
            },
            status => status != HttpStatusCode.ServiceUnavailable,
            Patience,
            "the write repeated")).Should().Be(HttpStatusCode.OK);
    }

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
        await using var connection = new NpgsqlConnection(Cluster.Server.GetConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", connection);
        command.Parameters.AddWithValue($"ot_move_{move.GetProperty("id").GetGuid():N}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Nothing of the move's replication is left; its source is <c>main</c>, the catalog's database.</summary>
    private Task ShouldLeaveNoReplicationAsync(JsonElement move) => ReplicationLeftovers.ShouldBeNoneAsync(Cluster.CatalogConnectionString, move);

    /// <summary>Polls the move until it is in the phase; it must not end first.</summary>
    private async Task<JsonElement> PhaseAsync(string location, string phase)
    {
        var move = await FaultHttp.EventuallyAsync(
            () => Cluster.Admin.GetFromJsonAsync<JsonElement>(location),
            m => m.GetProperty("phase").GetString() == phase || m.GetProperty("status").GetString() is "completed" or "failed" or "cancelled",
            Patience,
            $"the move in phase {phase}");
        move.GetProperty("phase").GetString().Should().Be(phase, $"the move reaches {phase} before it ends: {move}");
        return move;
    }

    private async Task<long> SuperuserScalarAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(Cluster.Server.GetConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task SuperuserAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(Cluster.Server.GetConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A cut-over held by <see cref="Write"/>, which waits on <see cref="Lock"/>.</summary>
    private sealed record HeldCutOver(HeldTableLock Lock, Task<HttpResponseMessage> Write) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Lock.DisposeAsync();
    }

    /// <summary>An online move whose job runs on <see cref="Silo"/>, a process the test may kill.</summary>
    private sealed record DoomedSiloMove(DotnetProcess Silo, HttpClient Http, string Tenant, Guid Before, Guid Account, ProvisionedDatabase Target, string Location)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Silo.DisposeAsync();
        }
    }
}
