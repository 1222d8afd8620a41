using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// Two silos; dedicated tenants whose databases live on an extra PostgreSQL server that the tests stop or freeze,
/// and a neighbour tenant on the shared test server that must not notice.
/// </summary>
public sealed class DatabaseOutageFixture : IAsyncLifetime
{
    public ApiCluster Cluster { get; } = new();

    /// <summary>The server the tests take down; on a fixed port, so it comes back where the tenants expect it.</summary>
    public RestartablePostgres Extra { get; private set; } = null!;

    public (string Tenant, string Key) Neighbour { get; private set; }

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Extra = await RestartablePostgres.StartNewAsync();
        var id = $"neighbour-{Guid.NewGuid().ToString("N")[..8]}";
        Neighbour = (id, await Cluster.CreateTenantAsync(id, new { mode = "single" }));
    }

    /// <summary>A dedicated tenant on a fresh database of <see cref="Extra"/>, migrated through the admin API's registration.</summary>
    public async Task<(string Tenant, string Key)> CreateDedicatedTenantAsync(string prefix)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance)
            .CreateAsync(Extra.GetConnectionString(), $"{prefix}_{suffix}", CancellationToken.None);
        var id = $"{prefix}-{suffix}";

        // The owner's connection string: the registration applies the tenant migrations with it (it has no separate
        // migration connection), and the owner is subject to the tables' FORCE ROW LEVEL SECURITY like the app role.
        return (id, await Cluster.CreateTenantAsync(id, new { mode = "dedicated", connectionString = database.OwnerConnectionString }));
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (Extra is not null)
        {
            await Extra.DisposeAsync();
        }
    }
}

/// <summary>The HTTP contract's 503 rule: one tenant's dead database is that tenant's problem only, answered at once, and heals by itself.</summary>
public sealed class DatabaseOutageTests(DatabaseOutageFixture fixture, ITestOutputHelper output) : IClassFixture<DatabaseOutageFixture>
{
    private static readonly TimeSpan FastAnswer = TimeSpan.FromSeconds(1); // The connect timeout is 3 s.
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_stopped_database_answers_503_with_retry_after_at_once_while_others_keep_working_and_recovers_by_itself()
    {
        var (tenant, key) = await fixture.CreateDedicatedTenantAsync("stopped");
        var (neighbour, neighbourKey) = fixture.Neighbour;
        using var http = fixture.Cluster.TenantClient(key);
        using var other = fixture.Cluster.TenantClient(neighbourKey, silo: 1);
        var account = await FaultHttp.CreateAsync(http, tenant, "accounts", new { name = "Before the outage" });
        await FaultHttp.CreateAsync(other, neighbour, "accounts", new { name = "Neighbour" });
        (await FaultHttp.GetAsync(http, $"/api/tenants/{tenant}/accounts")).Status.Should().Be(HttpStatusCode.OK);

        var list = $"/api/tenants/{tenant}/accounts";
        try
        {
            await fixture.Extra.StopAsync();
            var outage = Stopwatch.StartNew();

            // Enough failures to open the circuit (4 within 10 s by default), each one the contract's 503.
            var failing = new List<(TimeSpan At, Answer Answer)>();
            for (var i = 0; i < 8; i++)
            {
                var answer = await FaultHttp.GetAsync(http, list);
                failing.Add((outage.Elapsed, answer));
                answer.ShouldBeDatabaseUnavailable($"call {i} after the database stopped");
                (await FaultHttp.GetAsync(other, $"/api/tenants/{neighbour}/accounts")).Status.Should().Be(HttpStatusCode.OK, "the neighbour's database is fine");
            }

            // With the circuit open, callers are not made to wait for the database.
            var open = new List<Answer>();
            for (var i = 0; i < 5; i++)
            {
                open.Add(await FaultHttp.GetAsync(http, list));
            }

            foreach (var answer in open)
            {
                answer.ShouldBeDatabaseUnavailable("with the circuit open");
                answer.Took.Should().BeLessThan(FastAnswer, "an open circuit answers without trying the database");
            }

            // Input is judged before the database is asked: a bad request is the client's to fix, whatever the outage.
            using (var invalid = await http.PostAsJsonAsync(list, new { name = 5 }))
            {
                invalid.StatusCode.Should().Be(HttpStatusCode.BadRequest, await invalid.Content.ReadAsStringAsync());
            }

            (await FaultHttp.GetAsync(http, $"{list}?sort=password")).Status.Should().Be(HttpStatusCode.BadRequest);

            output.WriteLine($"After the stop: {string.Join("; ", failing.Select(f => $"+{f.At.TotalMilliseconds:0} ms {(int)f.Answer.Status} in {f.Answer.Took.TotalMilliseconds:0} ms ({f.Answer.Detail})"))}");
            output.WriteLine($"Open circuit: {string.Join(", ", open.Select(a => $"{a.Took.TotalMilliseconds:0} ms, Retry-After {a.RetryAfter?.TotalSeconds}"))}");
        }
        finally
        {
            await fixture.Extra.StartAgainAsync();
        }

        // Back on the same port: the tenant heals by itself, no admin action.
        var restarted = Stopwatch.StartNew();
        var seen = new List<HttpStatusCode>();
        await FaultHttp.EventuallyAsync(
            async () =>
            {
                var answer = await FaultHttp.GetAsync(http, list);
                seen.Add(answer.Status);
                if (answer.Status != HttpStatusCode.OK)
                {
                    answer.ShouldBeDatabaseUnavailable("while the tenant recovers");
                }

                (await FaultHttp.GetAsync(other, $"/api/tenants/{neighbour}/accounts")).Status.Should().Be(HttpStatusCode.OK);
                return answer;
            },
            answer => answer.Status == HttpStatusCode.OK,
            RecoveryDeadline,
            "the tenant answers 200 again after its database came back");
        output.WriteLine($"Recovered {restarted.ElapsedMilliseconds} ms after the server was back ({seen.Count} calls: {string.Join(",", seen.Select(s => (int)s))})");

        (await FaultHttp.GetJsonAsync(http, $"{list}/{account}")).GetProperty("name").GetString().Should().Be("Before the outage");
        await FaultHttp.CreateAsync(http, tenant, "accounts", new { name = "After the outage" });
    }

    [Fact]
    public async Task A_hanging_database_is_cut_off_by_the_circuit_breaker_so_callers_stop_waiting_for_the_connect_timeout()
    {
        var (tenant, key) = await fixture.CreateDedicatedTenantAsync("hanging");
        var (neighbour, neighbourKey) = fixture.Neighbour;
        using var http = fixture.Cluster.TenantClient(key);
        using var other = fixture.Cluster.TenantClient(neighbourKey, silo: 1);
        await FaultHttp.CreateAsync(http, tenant, "accounts", new { name = "Before the hang" });

        // No pooled connection into the server we freeze: the next calls must connect, and hang doing so.
        using (var deactivated = await fixture.Cluster.Admin.PostAsync($"/admin/tenants/{tenant}/deactivate", null))
        {
            deactivated.StatusCode.Should().Be(HttpStatusCode.OK, await deactivated.Content.ReadAsStringAsync());
        }

        var list = $"/api/tenants/{tenant}/accounts";
        var frozen = await FrozenServer.FreezeAsync(fixture.Extra.Server.ServerProcessId);
        Stopwatch thawed;
        try
        {
            // Concurrent callers pay the connect timeout once each; together they open the circuit.
            var hung = Enumerable.Range(0, 6).Select(_ => FaultHttp.GetAsync(http, list)).ToList();
            var neighbourAnswer = await FaultHttp.GetAsync(other, $"/api/tenants/{neighbour}/accounts");
            var stillHanging = hung.Count(t => !t.IsCompleted);
            neighbourAnswer.Status.Should().Be(HttpStatusCode.OK, neighbourAnswer.ToString());
            stillHanging.Should().BeGreaterThan(0, "the neighbour is answered while the hanging tenant's callers still wait");

            var first = await Task.WhenAll(hung);
            foreach (var answer in first)
            {
                answer.ShouldBeDatabaseUnavailable("a database that does not answer is unreachable");
            }

            first.Max(a => a.Took).Should().BeGreaterThan(TimeSpan.FromSeconds(2.5), "a hanging database costs a caller the connect timeout (3 s) while the circuit is closed");

            var open = new List<Answer>();
            for (var i = 0; i < 5; i++)
            {
                open.Add(await FaultHttp.GetAsync(http, list));
            }

            output.WriteLine($"Hanging, circuit closed: {string.Join(", ", first.Select(a => $"{a.Took.TotalMilliseconds:0} ms"))}");
            output.WriteLine($"Hanging, circuit open: {string.Join(", ", open.Select(a => $"{a.Took.TotalMilliseconds:0} ms, Retry-After {a.RetryAfter?.TotalSeconds}"))}");
            foreach (var answer in open)
            {
                answer.ShouldBeDatabaseUnavailable("with the circuit open");
                answer.Took.Should().BeLessThan(FastAnswer, "an open circuit answers without waiting for the hanging database");
            }
        }
        finally
        {
            await frozen.DisposeAsync();
            thawed = Stopwatch.StartNew();
        }

        await FaultHttp.EventuallyAsync(
            async () =>
            {
                var answer = await FaultHttp.GetAsync(http, list);
                if (answer.Status != HttpStatusCode.OK)
                {
                    answer.ShouldBeDatabaseUnavailable("while the tenant recovers");
                }

                return answer;
            },
            answer => answer.Status == HttpStatusCode.OK,
            RecoveryDeadline,
            "the tenant answers 200 again after its database resumed");
        output.WriteLine($"Recovered {thawed.ElapsedMilliseconds} ms after the server resumed");
        (await FaultHttp.ListNamesAsync(http, tenant)).Should().Contain("Before the hang");
    }
}
