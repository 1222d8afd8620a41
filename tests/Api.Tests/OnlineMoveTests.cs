using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.Api.Tests.Faults;
using Xunit;
using static OrleansTenants.Api.Tests.MoveSteps;

namespace OrleansTenants.Api.Tests;

/// <summary>
/// Online moves between every pair of placement modes (shared to dedicated is MoveTests'), and their own rules: one
/// may be cancelled before its cut-over (nothing of it is left), a finished one may not, and a tenant an online move
/// cannot carry is refused with the reason.
/// </summary>
public sealed class OnlineMoveTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly MoveSteps _steps = new(fixture);

    private ApiCluster Cluster => fixture.Cluster;

    /// <summary>Every pair of placement modes but shared to dedicated, which MoveTests takes through its paces.</summary>
    public static TheoryData<string, string> PlacementPairs => new()
    {
        { "single", "shared" },
        { "single", "dedicated" },
        { "single", "sharded" },
        { "shared", "single" },
        { "shared", "sharded" },
        { "dedicated", "single" },
        { "dedicated", "shared" },
        { "dedicated", "sharded" },
        { "sharded", "single" },
        { "sharded", "shared" },
        { "sharded", "dedicated" },
    };

    [Theory]
    [MemberData(nameof(PlacementPairs))]
    public async Task An_online_move_from_one_placement_to_another_keeps_every_row_and_idempotency_key(string from, string to)
    {
        var tenant = $"{from[..3]}-{to[..3]}-{Guid.NewGuid():N}"[..20];
        var key = await Cluster.CreateTenantAsync(tenant, Placement(from));
        using var http = Cluster.TenantClient(key);
        var account = await CreateAsync(http, tenant, "accounts", new { name = "Carried over" });
        var contact = await CreateAsync(http, tenant, "contacts", new { firstName = "Grace", lastName = "Hopper", accountId = account });
        var note = await CreateAsync(http, tenant, "notes", new { body = "Keep me" }, idempotencyKey: "note-1");
        var before = new Dictionary<string, string>();
        foreach (var path in new[] { $"accounts/{account}", $"contacts/{contact}", $"notes/{note}" })
        {
            before[path] = await ReadAsync(http, tenant, path);
        }

        var view = await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}");
        var source = SourceDatabase(from, view.GetProperty("placement").GetProperty("database").GetString()!, tenant);
        var move = await _steps.MoveAsync(tenant, Placement(to), "online");

        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        move.GetProperty("mode").GetString().Should().Be("online");
        (await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("mode").GetString().Should().Be(to);
        foreach (var (path, json) in before)
        {
            (await ReadAsync(http, tenant, path)).Should().Be(json, path);
        }

        using (var replay = await PostAsync(http, tenant, "notes", new { body = "Keep me" }, "note-1"))
        {
            replay.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        }

        await ReplicationLeftovers.ShouldBeNoneAsync(Cluster.Server.GetConnectionString(source), move);
    }

    private static object Placement(string mode) => mode switch
    {
        "dedicated" => new { mode, createDatabase = true },
        "shared" => new { mode, database = "shared-one" },
        "sharded" => new { mode, shardSet = "shards" },
        _ => new { mode },
    };

    /// <summary>The physical database a tenant in <paramref name="mode"/> lives in (registered as <paramref name="registered"/>).</summary>
    private string SourceDatabase(string mode, string registered, string tenant) => mode switch
    {
        "dedicated" => "tenant_" + tenant.Replace('-', '_'),
        "sharded" => fixture.ShardDatabases[int.Parse(registered["shard-".Length..], System.Globalization.CultureInfo.InvariantCulture)],
        "shared" => fixture.SharedDatabase,
        _ => Cluster.CatalogDatabase,
    };

    [Fact]
    public async Task An_online_move_cancelled_before_its_cut_over_leaves_no_replication_and_the_tenant_serving_where_it_was()
    {
        var (tenant, http) = await _steps.NewSharedTenantAsync("cancel");
        var kept = await CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var target = await Cluster.RegisterSharedDatabaseAsync("cancel");
        try
        {
            string location;
            Guid during;
            await using (var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes", "SHARE"))
            {
                using var started = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "online" });
                started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
                location = started.Headers.Location!.ToString();
                // The job is preparing the target (clearing it for the copy), held by the lock.
                await held.WaitForWaiterAsync(Patience);

                using var cancelled = await Cluster.Admin.DeleteAsync(location);
                cancelled.StatusCode.Should().Be(HttpStatusCode.Accepted, await cancelled.Content.ReadAsStringAsync());
                during = await CreateAsync(http, tenant, "notes", new { body = "written while the move was prepared" });
            }

            var move = await _steps.FollowAsync(location, tenant);

            move.GetProperty("status").GetString().Should().Be("cancelled", move.ToString());
            await _steps.ShouldLeaveNoReplicationAsync(move);
            (await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be("shared-one");
            (await ListIdsAsync(http, tenant, "notes")).Should().BeEquivalentTo([kept, during]);
            await using var connection = new NpgsqlConnection(Cluster.Server.GetConnectionString(target.Name));
            await connection.OpenAsync();
            await using var left = new NpgsqlCommand("SELECT count(*) FROM crm.notes WHERE tenant_id = $1", connection);
            left.Parameters.AddWithValue(tenant);
            ((long)(await left.ExecuteScalarAsync())!).Should().Be(0, "what the cancelled move copied is gone");
            (await Cluster.Admin.DeleteAsync(location)).StatusCode.Should().Be(HttpStatusCode.Accepted, "cancelling a cancelled move changes nothing");
        }
        finally
        {
            await Cluster.Server.DropDatabaseAsync(target.Name);
        }
    }

    [Fact]
    public async Task A_completed_move_cannot_be_cancelled_and_an_online_move_is_refused_for_a_tenant_with_its_own_connection()
    {
        var (tenant, _) = await _steps.NewSharedTenantAsync("done");
        var move = await _steps.MoveAsync(tenant, new { mode = "single" });
        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());

        using var late = await Cluster.Admin.DeleteAsync($"/admin/tenants/{tenant}/moves/{move.GetProperty("id").GetGuid()}");
        late.StatusCode.Should().Be(HttpStatusCode.Conflict, await late.Content.ReadAsStringAsync());

        var (own, _) = await _steps.NewSharedTenantAsync("own");
        (await Cluster.Admin.PutAsJsonAsync($"/admin/tenants/{own}/connection", new { connectionString = fixture.SharedAppConnectionString }))
            .StatusCode.Should().Be(HttpStatusCode.OK);
        using var refused = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{own}/moves", new { placement = new { mode = "single" }, mode = "online" });
        var problem = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest, problem);
        ApiCluster.Json(problem).GetProperty("errors").GetProperty("mode")[0].GetString().Should().Contain("connection settings of its own").And.Contain("offline");
        (await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{own}/moves")).GetArrayLength().Should().Be(0);
    }
}
