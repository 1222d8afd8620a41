using System.Collections.Concurrent;
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
/// Tenant moves between databases: every row (and id, and idempotency key) arrives, writes made during the move are
/// all kept, the old database keeps nothing, and a move cut short by a dead silo leaves the tenant where it was.
/// </summary>
public sealed class MoveTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly MoveSteps _steps = new(fixture);

    private ApiCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_moved_tenant_keeps_every_row_id_and_idempotency_key_and_its_old_database_keeps_none()
    {
        var (tenant, http) = await _steps.NewSharedTenantAsync("moved");
        var account = await CreateAsync(http, tenant, "accounts", new { name = "Globex" });
        var contact = await CreateAsync(http, tenant, "contacts", new { firstName = "Ada", lastName = "Lovelace", accountId = account });
        var invoice = await CreateAsync(http, tenant, "invoices", new { number = "INV-1", accountId = account, total = 12.5m, currency = "EUR" });
        var note = await CreateAsync(http, tenant, "notes", new { body = "Keep me" }, idempotencyKey: "note-1");
        var before = new Dictionary<string, string>
        {
            [$"accounts/{account}"] = await ReadAsync(http, tenant, $"accounts/{account}"),
            [$"contacts/{contact}"] = await ReadAsync(http, tenant, $"contacts/{contact}"),
            [$"invoices/{invoice}"] = await ReadAsync(http, tenant, $"invoices/{invoice}"),
            [$"notes/{note}"] = await ReadAsync(http, tenant, $"notes/{note}"),
        };

        var move = await _steps.MoveAsync(tenant, new { mode = "dedicated", createDatabase = true });

        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        move.GetProperty("fromDatabase").GetString().Should().Be("shared-one");
        move.GetProperty("toDatabase").GetString().Should().Be($"tenant-{tenant}");
        move.GetProperty("rowsCopied").GetInt64().Should().Be(5, "four rows and one idempotency key");
        var verification = move.GetProperty("verification").EnumerateArray().ToList();
        verification.Select(t => t.GetProperty("table").GetString()).Should().Contain(["accounts", "contacts", "invoices", "notes", "idempotency_keys", "attachments"]);
        verification.Should().OnlyContain(t => t.GetProperty("matches").GetBoolean()
            && t.GetProperty("sourceRows").GetInt64() == t.GetProperty("targetRows").GetInt64()
            && t.GetProperty("sourceChecksum").GetString() == t.GetProperty("targetChecksum").GetString());
        verification.Sum(t => t.GetProperty("targetRows").GetInt64()).Should().Be(5);
        verification.Single(t => t.GetProperty("table").GetString() == "accounts").GetProperty("sourceChecksum").GetString().Should().NotBe("0");
        var view = await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}");
        view.GetProperty("status").GetString().Should().Be("active");
        view.GetProperty("placement").GetProperty("mode").GetString().Should().Be("dedicated");
        foreach (var (path, json) in before)
        {
            (await ReadAsync(http, tenant, path)).Should().Be(json, path);
        }

        using (var replay = await PostAsync(http, tenant, "notes", new { body = "Keep me" }, "note-1"))
        {
            replay.StatusCode.Should().Be(HttpStatusCode.Created);
            replay.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        }

        (await _steps.RowsInSharedDatabaseAsync(tenant)).Should().Be(0, "the old database keeps none of the tenant's rows");
        var moves = await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}/moves");
        moves.EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).Should().Equal(move.GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData("online")]
    [InlineData("offline")]
    public async Task Every_write_acknowledged_during_a_move_is_in_the_new_database(string mode)
    {
        var (tenant, http) = await _steps.NewSharedTenantAsync("busy");
        for (var i = 0; i < 200; i++)
        {
            await CreateAsync(http, tenant, "accounts", new { name = $"Seed {i}" });
        }

        using var stop = new CancellationTokenSource();
        var acknowledged = new ConcurrentBag<Guid>();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            using var writer = Cluster.TenantClient(_steps.Key(tenant), silo: w % 2);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                acknowledged.Add(await CreateAsync(writer, tenant, "notes", new { body = $"writer {w} note {i}" }, idempotencyKey: $"w{w}-{i}"));
            }
        })).ToList();
        await FaultHttp.EventuallyAsync(() => Task.FromResult(acknowledged.Count), n => n >= 20, Patience, "writes before the move");

        var move = await _steps.MoveAsync(tenant, new { mode = "sharded", shardSet = "shards" }, mode);
        var duringMove = acknowledged.Count;
        await FaultHttp.EventuallyAsync(() => Task.FromResult(acknowledged.Count), n => n >= duringMove + 20, Patience, "writes after the move");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        move.GetProperty("mode").GetString().Should().Be(mode);
        move.GetProperty("writePauseMs").GetDouble().Should().BeGreaterThanOrEqualTo(0, "the pause the cut-over took is measured");
        await _steps.ShouldLeaveNoReplicationAsync(move);
        var stored = await ListIdsAsync(http, tenant, "notes");
        stored.Should().Contain(acknowledged, "nothing a client was told was saved is lost");
        stored.Should().HaveCount(acknowledged.Distinct().Count());
        (await ListIdsAsync(http, tenant, "accounts")).Should().HaveCount(200);
    }

    [Fact]
    public async Task A_write_sent_while_an_offline_copy_runs_waits_for_the_cut_over_and_lands_in_the_new_database()
    {
        var (tenant, http) = await _steps.NewSharedTenantAsync("gate");
        var before = await CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var target = await Cluster.RegisterSharedDatabaseAsync("gate");
        await using var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes");
        using var arrivals = new ArrivingRequests();

        using var started = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "offline" });
        started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        // The copy has its snapshot of the source and waits for the locked table of the target: the move is under way.
        await held.WaitForWaiterAsync(Patience);

        // A write that reached the tenant now, with nothing to hold it back, would go to the source after the snapshot
        // and be deleted with the source's rows after the cut-over.
        var path = $"/api/tenants/{tenant}/notes";
        var arrived = arrivals.ArrivalOf(path);
        var during = PostAsync(http, tenant, "notes", new { body = "sent during the copy" }, idempotencyKey: null);
        await arrived.WaitAsync(Patience);
        await held.DisposeAsync();

        using var written = await during;
        written.StatusCode.Should().Be(HttpStatusCode.Created, await written.Content.ReadAsStringAsync());
        var id = ApiCluster.Json(await written.Content.ReadAsStringAsync()).GetProperty("id").GetGuid();
        var move = await _steps.FollowAsync(started.Headers.Location!.ToString(), tenant);
        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        (await ListIdsAsync(http, tenant, "notes")).Should().BeEquivalentTo([before, id], "the write waited for the cut-over and was served by the new database");
        (await _steps.RowsInSharedDatabaseAsync(tenant)).Should().Be(0);
    }

    [Fact]
    public async Task A_move_cut_short_by_its_silo_leaves_the_tenant_serving_from_where_it_was()
    {
        var (tenant, http) = await _steps.NewSharedTenantAsync("cut");
        var account = await CreateAsync(http, tenant, "accounts", new { name = "Still here" });
        // What a silo that died mid-move leaves: a running move and the tenant marked moving.
        await ExecuteAsync(Cluster.CatalogConnectionString,
            "INSERT INTO catalog.tenant_moves (tenant_id, from_mode, from_database, to_mode, to_database, status, started_at) VALUES ($1, 'shared', 'shared-one', 'single', 'main', 'running', now())",
            tenant);
        await ExecuteAsync(Cluster.CatalogConnectionString, "UPDATE catalog.tenants SET status = 'moving' WHERE id = $1", tenant);
        (await Cluster.Admin.PostAsync($"/admin/tenants/{tenant}/deactivate", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await ReadAsync(http, tenant, $"accounts/{account}")).Should().Contain("Still here");

        var moves = await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}/moves");
        var interrupted = moves.EnumerateArray().Single();
        interrupted.GetProperty("status").GetString().Should().Be("failed");
        interrupted.GetProperty("error").GetString().Should().Contain("interrupted");
        (await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}")).GetProperty("status").GetString().Should().Be("active");
        (await _steps.MoveAsync(tenant, new { mode = "single" })).GetProperty("status").GetString().Should().Be("completed", "a new move may start");
    }

    [Theory]
    [InlineData("""{"placement":{"mode":"shared","database":"shared-one"}}""", HttpStatusCode.Conflict)]
    [InlineData("""{"placement":{"mode":"shared","database":"nowhere"}}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"placement":{"mode":"elsewhere"}}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"placement":{"mode":"single"},"mode":"sideways"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{}""", HttpStatusCode.BadRequest)]
    public async Task A_move_that_cannot_be_done_is_refused_and_recorded_nowhere(string body, HttpStatusCode expected)
    {
        var (tenant, _) = await _steps.NewSharedTenantAsync("refused");

        // Its plan is refused alike.
        foreach (var path in new[] { "moves/plan", "moves" })
        {
            using var response = await Cluster.Admin.PostAsync($"/admin/tenants/{tenant}/{path}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(expected, $"{path}: {await response.Content.ReadAsStringAsync()}");
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        (await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}/moves")).GetArrayLength().Should().Be(0);
    }

    [Theory]
    [InlineData("online")]
    [InlineData("offline")]
    public async Task A_move_whose_copy_differs_from_the_source_fails_verification_and_leaves_the_tenant_serving_where_it_was(string mode)
    {
        var (tenant, http) = await _steps.NewSharedTenantAsync("altered");
        var account = await CreateAsync(http, tenant, "accounts", new { name = "Exactly this" });
        await CreateAsync(http, tenant, "accounts", new { name = "And this" });
        var target = await Cluster.RegisterSharedDatabaseAsync("altering");
        try
        {
            // A target that changes what it is given: the copy's row counts agree, its contents do not. ALWAYS: also
            // when logical replication applies the rows.
            await ExecuteAsync(Cluster.Server.GetConnectionString(target.Name), """
                CREATE FUNCTION crm.alter_name() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := NEW.name || ' (altered)'; RETURN NEW; END $$;
                CREATE TRIGGER alter_name BEFORE INSERT ON crm.accounts FOR EACH ROW EXECUTE FUNCTION crm.alter_name();
                ALTER TABLE crm.accounts ENABLE ALWAYS TRIGGER alter_name;
                """);

            var move = await _steps.MoveAsync(tenant, new { mode = "shared", database = target.Name }, mode);

            move.GetProperty("status").GetString().Should().Be("failed", move.ToString());
            move.GetProperty("error").GetString().Should().Contain("verification failed").And.Contain("accounts: 2 rows on both sides but their contents differ");
            var accounts = move.GetProperty("verification").EnumerateArray().Single(t => t.GetProperty("table").GetString() == "accounts");
            accounts.GetProperty("matches").GetBoolean().Should().BeFalse();
            move.GetProperty("verification").EnumerateArray().Where(t => t.GetProperty("table").GetString() != "accounts")
                .Should().OnlyContain(t => t.GetProperty("matches").GetBoolean());
            var view = await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}");
            view.GetProperty("status").GetString().Should().Be("active");
            view.GetProperty("placement").GetProperty("database").GetString().Should().Be("shared-one");
            (await ReadAsync(http, tenant, $"accounts/{account}")).Should().Contain("\"Exactly this\"");
            await using var connection = new NpgsqlConnection(Cluster.Server.GetConnectionString(target.Name));
            await connection.OpenAsync();
            await using var left = new NpgsqlCommand("SELECT count(*) FROM crm.accounts WHERE tenant_id = $1", connection);
            left.Parameters.AddWithValue(tenant);
            ((long)(await left.ExecuteScalarAsync())!).Should().Be(0, "the refused copy was rolled back");
            await _steps.ShouldLeaveNoReplicationAsync(move);
        }
        finally
        {
            await Cluster.Server.DropDatabaseAsync(target.Name);
        }
    }

    [Fact]
    public async Task Moves_of_unknown_tenants_or_ids_are_404_and_400()
    {
        (await Cluster.Admin.PostAsJsonAsync("/admin/tenants/nobody/moves", new { placement = new { mode = "single" } })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Cluster.Admin.GetAsync("/admin/tenants/nobody/moves")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Cluster.Admin.GetAsync($"/admin/tenants/nobody/moves/{Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Cluster.Admin.GetAsync("/admin/tenants/nobody/moves/not-a-uuid")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Cluster.Admin.DeleteAsync($"/admin/tenants/nobody/moves/{Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Cluster.Admin.DeleteAsync("/admin/tenants/nobody/moves/not-a-uuid")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
