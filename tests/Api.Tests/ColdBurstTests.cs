using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using OrleansTenants.Api.Tests.Faults;
using OrleansTenants.Catalog.Provisioning;
using Xunit;
using Xunit.Abstractions;

namespace OrleansTenants.Api.Tests;

/// <summary>
/// Three silos with the default queue and a shared database; each test's tenant is new, so its first calls meet a cold
/// activation (and, dedicated, a cold pool).
/// </summary>
public sealed class ColdBurstFixture : IAsyncLifetime
{
    private readonly List<string> _databases = [];

    public ApiCluster Cluster { get; } = new();

    public ProvisionedDatabase Shared { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        await Cluster.StartSiloAsync();
        Shared = await Cluster.RegisterSharedDatabaseAsync("burst");
        _databases.Add(Shared.Name);
    }

    /// <summary>A new tenant in <paramref name="mode"/> and its key.</summary>
    public async Task<(string Tenant, string Key)> CreateTenantAsync(string mode)
    {
        var tenant = $"burst-{Guid.NewGuid().ToString("N")[..8]}";
        object placement = mode switch
        {
            "dedicated" => new { mode, createDatabase = true },
            "shared" => new { mode, database = Shared.Name },
            _ => new { mode },
        };
        var key = await Cluster.CreateTenantAsync(tenant, placement);
        if (mode == "dedicated")
        {
            _databases.Add("tenant_" + tenant.Replace('-', '_'));
        }

        return (tenant, key);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var database in _databases)
        {
            await Cluster.Server.DropDatabaseAsync(database);
        }
    }
}

/// <summary>
/// A burst wider than a tenant's concurrency limit (32) is queued, not refused: 300 first calls to a new tenant, 48 at a
/// time, spread over three silos, all succeed, as a pooler would have served them.
/// </summary>
public sealed class ColdBurstTests(ColdBurstFixture fixture, ITestOutputHelper output) : IClassFixture<ColdBurstFixture>
{
    private const int Calls = 300;
    private const int Width = 48;

    [Theory]
    [InlineData("dedicated")]
    [InlineData("shared")]
    [InlineData("single")]
    public async Task A_48_wide_burst_of_first_calls_on_a_new_tenant_all_succeed(string mode)
    {
        var (tenant, key) = await fixture.CreateTenantAsync(mode);
        var clients = Enumerable.Range(0, 3).Select(silo => fixture.Cluster.TenantClient(key, silo)).ToList();
        var next = -1;

        var workers = Enumerable.Range(0, Width).Select(async _ =>
        {
            var answers = new List<(int Call, HttpStatusCode Status, string Body)>();
            for (var call = Interlocked.Increment(ref next); call < Calls; call = Interlocked.Increment(ref next))
            {
                using var response = await clients[call % clients.Count].PostAsJsonAsync($"/api/tenants/{tenant}/accounts", new { name = $"Burst {call}" });
                answers.Add((call, response.StatusCode, await response.Content.ReadAsStringAsync()));
            }

            return answers;
        });
        var answers = (await Task.WhenAll(workers)).SelectMany(a => a).ToList();

        output.WriteLine(string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Count()} x {(int)g.Key}")));
        answers.Should().HaveCount(Calls);
        answers.Where(a => a.Status != HttpStatusCode.Created).Should().BeEmpty();
        (await FaultHttp.ListNamesAsync(clients[0], tenant)).Should().BeEquivalentTo(Enumerable.Range(0, Calls).Select(call => $"Burst {call}"));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
