using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>Two silos; an extra primary server with a streaming hot standby; dedicated tenants on the primary with the standby as their read replica.</summary>
public sealed class ReplicaFixture : IAsyncLifetime
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(30);
    private TemporaryDirectory? _replicaRoot;

    public ApiCluster Cluster { get; } = new();

    public RestartablePostgres Primary { get; private set; } = null!;

    public StreamingReplica Replica { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Primary = await RestartablePostgres.StartNewAsync();
        _replicaRoot = new TemporaryDirectory("orleans-tenants-replica-");
        Replica = await StreamingReplica.StartAsync(Primary.Server, _replicaRoot.Path, replicationSlot: "faults_replica");
    }

    /// <summary>A dedicated tenant on a fresh database of the primary, with the standby (same database and credentials) as its replica.</summary>
    public async Task<ReplicaTenant> CreateTenantAsync(string prefix)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance)
            .CreateAsync(Primary.GetConnectionString(), $"{prefix}_{suffix}", CancellationToken.None);
        var replica = new NpgsqlConnectionStringBuilder(database.OwnerConnectionString) { Port = Replica.Port }.ConnectionString;
        var id = $"{prefix}-{suffix}";
        var key = await Cluster.CreateTenantAsync(id, new { mode = "dedicated", connectionString = database.OwnerConnectionString, replicas = new[] { replica } });

        // The database, its roles and its migrated schema reach the standby by streaming.
        await Replica.WaitForCatchUpAsync(CatchUp);
        return new ReplicaTenant(id, key, database.Name);
    }

    /// <summary>Writes an account straight into the primary (as the superuser), so the tenant's grain knows of no write of its own.</summary>
    public async Task<Guid> InsertOnPrimaryAsync(ReplicaTenant tenant, string name)
    {
        await using var connection = new NpgsqlConnection(Unpooled(Primary.GetConnectionString(tenant.Database)));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("INSERT INTO crm.accounts (tenant_id, name) VALUES ($1, $2) RETURNING id", connection);
        command.Parameters.AddWithValue(tenant.Id);
        command.Parameters.AddWithValue(name);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Writes about <paramref name="megabytes"/> MiB of WAL on the primary (a scratch table in its postgres database).</summary>
    public async Task WriteWalOnPrimaryAsync(int megabytes)
    {
        await using var connection = new NpgsqlConnection(Unpooled(Primary.GetConnectionString()));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"CREATE TABLE wal_filler_{Guid.NewGuid():N} AS SELECT g AS id, repeat(md5(g::text), 32) AS filler FROM generate_series(1, {megabytes * 1024}) g",
            connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Whether the standby itself has the row (asked directly, not through the tenant).</summary>
    public async Task<bool> ReplicaHasAsync(ReplicaTenant tenant, Guid account)
    {
        await using var connection = new NpgsqlConnection(Unpooled(Replica.GetConnectionString(tenant.Database)));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT FROM crm.accounts WHERE tenant_id = $1 AND id = $2)", connection);
        command.Parameters.AddWithValue(tenant.Id);
        command.Parameters.AddWithValue(account);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Sessions the tenant's pool holds on a server, by the application name the grain gives its pool.</summary>
    public static async Task<long> TenantSessionsAsync(string serverConnectionString, ReplicaTenant tenant)
    {
        await using var connection = new NpgsqlConnection(Unpooled(serverConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2", connection);
        command.Parameters.AddWithValue($"orleans-tenants:{tenant.Id}");
        command.Parameters.AddWithValue(tenant.Database);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // The tests restart servers: a pooled session of the test's own would be a broken one afterwards.
    private static string Unpooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (Replica is not null)
        {
            await Replica.DisposeAsync();
        }

        if (Primary is not null)
        {
            await Primary.DisposeAsync();
        }

        _replicaRoot?.Dispose();
    }
}

public sealed record ReplicaTenant(string Id, string Key, string Database);

/// <summary>
/// DESIGN.md "Data placement": reads go to a healthy replica, writes and read-your-own-writes go to the primary,
/// a replica that fails falls back to the primary. A standby whose replay is paused is the witness: it lacks rows
/// that the primary has, so what a read returns tells which server answered it.
/// </summary>
public sealed class ReplicaTests(ReplicaFixture fixture, ITestOutputHelper output) : IClassFixture<ReplicaFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Reads_are_served_by_the_healthy_replica()
    {
        var tenant = await fixture.CreateTenantAsync("reads");
        using var http = fixture.Cluster.TenantClient(tenant.Key);
        var seeded = await fixture.InsertOnPrimaryAsync(tenant, "Seeded");
        await fixture.Replica.WaitForCatchUpAsync(Deadline);
        (await FaultHttp.ListNamesAsync(http, tenant.Id)).Should().Contain("Seeded");
        (await ReplicaFixture.TenantSessionsAsync(fixture.Replica.GetConnectionString(), tenant)).Should().BePositive("the tenant's pool reads on the standby");

        await fixture.Replica.PauseReplayAsync();
        Guid unseen;
        try
        {
            unseen = await fixture.InsertOnPrimaryAsync(tenant, "Only on the primary");
            (await fixture.ReplicaHasAsync(tenant, unseen)).Should().BeFalse("the standby's replay is paused");

            // Served by the standby: it answers without the row the primary has.
            var names = await FaultHttp.ListNamesAsync(http, tenant.Id);
            names.Should().Contain("Seeded").And.NotContain("Only on the primary", "a read goes to the healthy replica, not to the primary");
            (await FaultHttp.GetAsync(http, $"/api/tenants/{tenant.Id}/accounts/{unseen}")).Status.Should().Be(HttpStatusCode.NotFound);
        }
        finally
        {
            await fixture.Replica.ResumeReplayAsync();
        }

        await FaultHttp.EventuallyAsync(
            () => FaultHttp.ListNamesAsync(http, tenant.Id),
            names => names.Contains("Only on the primary"),
            Deadline,
            "the row shows through the replica once it replays again");
        (await FaultHttp.GetJsonAsync(http, $"/api/tenants/{tenant.Id}/accounts/{seeded}")).GetProperty("name").GetString().Should().Be("Seeded");
    }

    [Fact]
    public async Task A_write_is_read_back_at_once_even_while_the_replica_lags()
    {
        var tenant = await fixture.CreateTenantAsync("ryow");
        using var http = fixture.Cluster.TenantClient(tenant.Key);
        (await FaultHttp.ListNamesAsync(http, tenant.Id)).Should().BeEmpty();

        await fixture.Replica.PauseReplayAsync();
        try
        {
            var id = await FaultHttp.CreateAsync(http, tenant.Id, "accounts", new { name = "Just written" });
            (await FaultHttp.GetJsonAsync(http, $"/api/tenants/{tenant.Id}/accounts/{id}")).GetProperty("name").GetString().Should().Be("Just written");
            (await FaultHttp.ListNamesAsync(http, tenant.Id)).Should().Contain("Just written");

            using (var patched = await http.PatchAsync($"/api/tenants/{tenant.Id}/accounts/{id}", System.Net.Http.Json.JsonContent.Create(new { name = "Just renamed" })))
            {
                patched.StatusCode.Should().Be(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
            }

            (await FaultHttp.GetJsonAsync(http, $"/api/tenants/{tenant.Id}/accounts/{id}")).GetProperty("name").GetString().Should().Be("Just renamed");

            // The standby could not have answered those reads: it has not even got the row.
            (await fixture.ReplicaHasAsync(tenant, id)).Should().BeFalse("the standby's replay is paused");
        }
        finally
        {
            await fixture.Replica.ResumeReplayAsync();
        }
    }

    /// <summary>
    /// A replica that falls behind by more than the allowed lag (<c>TenantData:MaxReplicaLagBytes</c>, 1 MiB) gets no
    /// reads until it catches up. Its replay is paused, then the primary writes a few MiB of WAL.
    /// </summary>
    [Fact]
    public async Task A_replica_that_falls_behind_gets_no_reads_until_it_catches_up()
    {
        var tenant = await fixture.CreateTenantAsync("lagging");
        using var http = fixture.Cluster.TenantClient(tenant.Key);
        await fixture.InsertOnPrimaryAsync(tenant, "Seeded");
        await fixture.Replica.WaitForCatchUpAsync(Deadline);
        (await FaultHttp.ListNamesAsync(http, tenant.Id)).Should().Contain("Seeded");

        await WhileReplayIsPausedAsync(
            http,
            tenant,
            async () =>
            {
                await fixture.InsertOnPrimaryAsync(tenant, "Written while the replica lags");
                await fixture.WriteWalOnPrimaryAsync(megabytes: 4);
            },
            names => names.Contains("Written while the replica lags"),
            "reads leave the replica that trails the primary by megabytes");

        // Caught up again: reads go back to it (witness: a small, paused lag that a read served by the replica shows).
        await fixture.Replica.WaitForCatchUpAsync(Deadline);
        await WhileReplayIsPausedAsync(
            http,
            tenant,
            () => fixture.InsertOnPrimaryAsync(tenant, "Only on the primary"),
            names => !names.Contains("Only on the primary"),
            "reads return to the replica once it caught up");
    }

    /// <summary>Pauses the standby's replay, writes on the primary, and waits until the tenant's reads show what is expected.</summary>
    private async Task WhileReplayIsPausedAsync(HttpClient http, ReplicaTenant tenant, Func<Task> writeOnPrimary, Func<List<string>, bool> readsShow, string what)
    {
        await fixture.Replica.PauseReplayAsync();
        try
        {
            await writeOnPrimary();
            var waiting = System.Diagnostics.Stopwatch.StartNew();
            await FaultHttp.EventuallyAsync(() => FaultHttp.ListNamesAsync(http, tenant.Id), readsShow, Deadline, what);
            output.WriteLine($"{what}: after {waiting.ElapsedMilliseconds} ms");
        }
        finally
        {
            await fixture.Replica.ResumeReplayAsync();
        }
    }

    /// <summary>
    /// The replica stops while the tenant's pool holds sessions on it (the usual case: it served the reads). Reads must
    /// fall back to the primary without an error, and the replica's failure must not stop writes to the healthy primary.
    /// </summary>
    [Fact]
    public async Task Reads_fall_back_to_the_primary_without_an_error_when_the_replica_stops_under_a_warm_pool()
    {
        var tenant = await fixture.CreateTenantAsync("failover");
        using var http = fixture.Cluster.TenantClient(tenant.Key);
        await fixture.InsertOnPrimaryAsync(tenant, "Before");
        await fixture.Replica.WaitForCatchUpAsync(Deadline);
        (await FaultHttp.ListNamesAsync(http, tenant.Id)).Should().Contain("Before");
        (await ReplicaFixture.TenantSessionsAsync(fixture.Replica.GetConnectionString(), tenant)).Should().BePositive("the pool holds sessions on the standby that its stop will break");

        var (reads, failures, write) = await ReadAndWriteWhileTheReplicaIsDownAsync(http, tenant);

        output.WriteLine($"{reads} reads while the replica was down, {failures.Count} not answered 200 with the row: {string.Join(" | ", failures.Take(5))}; the write: {write}");
        using (new FluentAssertions.Execution.AssertionScope())
        {
            // The first read after the stop takes a pooled session to the replica that the stop broke (57P01): the grain
            // must retry that read on the primary, and keep the replica's failure out of the tenant's circuit breaker.
            failures.Should().BeEmpty("reads fall back to the primary when the replica fails, without a 5xx");
            write.Status.Should().Be(HttpStatusCode.Created, "the primary is healthy, whatever the replica does");
        }
    }

    /// <summary>
    /// New sessions while the replica is down go to the primary; once the replica is back, reads return to it. (The pool
    /// starts empty here, so the broken sessions of the test above play no part.)
    /// </summary>
    [Fact]
    public async Task New_sessions_read_from_the_primary_while_the_replica_is_down_and_reads_return_to_the_replica_when_it_is_back()
    {
        var tenant = await fixture.CreateTenantAsync("comeback");
        using var http = fixture.Cluster.TenantClient(tenant.Key);
        await fixture.InsertOnPrimaryAsync(tenant, "Before");
        await fixture.Replica.WaitForCatchUpAsync(Deadline);
        (await FaultHttp.ListNamesAsync(http, tenant.Id)).Should().Contain("Before");
        using (var deactivated = await fixture.Cluster.Admin.PostAsync($"/admin/tenants/{tenant.Id}/deactivate", null))
        {
            deactivated.StatusCode.Should().Be(HttpStatusCode.OK, "the activation and its pool are gone");
        }

        var (reads, failures, write) = await ReadAndWriteWhileTheReplicaIsDownAsync(http, tenant);
        output.WriteLine($"{reads} reads while the replica was down (fresh pool), {failures.Count} not answered 200 with the row: {string.Join(" | ", failures.Take(5))}; the write: {write}");
        failures.Should().BeEmpty("with the replica down, new sessions go to the primary");
        write.Status.Should().Be(HttpStatusCode.Created, write.ToString());

        // Witness: with the replica's replay paused, a read served by it misses a row that only the primary has.
        await fixture.Replica.WaitForCatchUpAsync(Deadline);
        await fixture.Replica.PauseReplayAsync();
        try
        {
            await fixture.InsertOnPrimaryAsync(tenant, "Only on the primary");
            var back = System.Diagnostics.Stopwatch.StartNew();
            await FaultHttp.EventuallyAsync(
                () => FaultHttp.ListNamesAsync(http, tenant.Id),
                names => !names.Contains("Only on the primary"),
                Deadline,
                "a read is served by the replica again after it came back");
            output.WriteLine($"Reads returned to the replica {back.ElapsedMilliseconds} ms after it streamed again (the write's read-your-own-writes window is 5 s)");
        }
        finally
        {
            await fixture.Replica.ResumeReplayAsync();
        }
    }

    /// <summary>Stops the replica; reads for longer than the pool's host recheck (2 s), one by one and several at once; writes once; starts it again.</summary>
    private async Task<(int Reads, List<Answer> Failures, Answer Write)> ReadAndWriteWhileTheReplicaIsDownAsync(HttpClient http, ReplicaTenant tenant)
    {
        var failures = new List<Answer>();
        var reads = 0;
        Answer write;
        try
        {
            await fixture.Replica.StopAsync();
            var down = System.Diagnostics.Stopwatch.StartNew();
            while (down.Elapsed < TimeSpan.FromSeconds(3))
            {
                var answers = await Task.WhenAll(Enumerable.Range(0, reads % 2 == 0 ? 1 : 4).Select(_ => FaultHttp.GetAsync(http, $"/api/tenants/{tenant.Id}/accounts")));
                reads += answers.Length;
                failures.AddRange(answers.Where(a => a.Status != HttpStatusCode.OK || !a.Body.Contains("\"Before\"", StringComparison.Ordinal)));
                await Task.Delay(20); // Pacing, not waiting: a steady stream of reads rather than a flood.
            }

            var started = System.Diagnostics.Stopwatch.StartNew();
            using var response = await http.PostAsJsonAsync($"/api/tenants/{tenant.Id}/accounts", new { name = "While the replica is down" });
            write = new Answer(response.StatusCode, started.Elapsed, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta);
        }
        finally
        {
            await fixture.Replica.StartAgainAsync();
        }

        return (reads, failures, write);
    }
}
