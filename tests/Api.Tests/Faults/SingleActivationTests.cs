using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// Guarantees 1 and 5 under a real failure: a silo process killed with SIGKILL while tenants are written through the
/// others. Every write a client was told was saved is in the database, once; the killed silo's tenants are served again
/// by live silos; and no tenant is ever active on two silos at once (read from every silo's own log).
/// </summary>
public sealed class SingleActivationTests(ProcessCluster cluster) : IClassFixture<ProcessCluster>
{
    private const int Tenants = 24;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_silo_killed_under_write_load_loses_no_acknowledged_write_and_no_tenant_is_ever_active_on_two_silos()
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Tenants; i++)
        {
            keys[$"load-{i}"] = await cluster.CreateTenantAsync($"load-{i}");
        }

        var doomed = cluster.Silos[^1];
        var survivors = cluster.Silos.Take(ProcessCluster.Size - 1).ToList();
        var onDoomed = await TenantsOnAsync(doomed, keys);
        onDoomed.Should().NotBeEmpty("some of the tenants live on the silo that is killed");

        var acknowledged = new ConcurrentBag<(string Tenant, Guid Id, DateTimeOffset At)>();
        var refused = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writers = keys.Select((tenant, n) => Task.Run(() => WriteUntilStoppedAsync(
            tenant.Key, ProcessCluster.Client(survivors[n % survivors.Count].Url, tenant.Value), acknowledged, refused, stop.Token))).ToList();
        await FaultHttp.EventuallyAsync(() => Task.FromResult(acknowledged.Count), n => n >= 200, Patience, "writes before the kill");

        var killedAt = DateTimeOffset.UtcNow;
        doomed.Process.Signal(Signals.SigKill);
        // Before the dead silo is declared dead: its tenants' reads wait for a live silo to take them over rather than
        // fail, and the admin views leave out only what it held.
        var reads = await Task.WhenAll(onDoomed.Select(async tenant =>
        {
            using var reader = ProcessCluster.Client(survivors[0].Url, keys[tenant]);
            return (tenant, await FaultHttp.GetAsync(reader, $"/api/tenants/{tenant}/notes?limit=1"));
        }));
        reads.Should().OnlyContain(read => read.Item2.Status == HttpStatusCode.OK, "a read of a tenant whose silo just died is served once a live silo has it");
        (await FaultHttp.GetAsync(cluster.Admin, "/admin/tenants")).Status.Should().Be(HttpStatusCode.OK);
        (await FaultHttp.GetAsync(cluster.Admin, "/admin/cluster")).Status.Should().Be(HttpStatusCode.OK);
        // Before the dead silo is declared dead, the admin views leave out only what it held.
        (await FaultHttp.GetAsync(cluster.Admin, "/admin/tenants")).Status.Should().Be(HttpStatusCode.OK);
        (await FaultHttp.GetAsync(cluster.Admin, "/admin/cluster")).Status.Should().Be(HttpStatusCode.OK);
        await FaultHttp.EventuallyAsync(
            () => Task.FromResult(onDoomed.Count(t => acknowledged.Count(a => a.Tenant == t && a.At > killedAt) >= 3)),
            served => served == onDoomed.Count,
            Patience,
            "the killed silo's tenants written again through live silos");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        refused.Should().BeEmpty("a write either succeeds or gets 503, which is retried with its Idempotency-Key");
        var stored = await StoredNoteIdsAsync(keys.Keys);
        stored.Should().Contain(acknowledged.Select(a => a.Id), "nothing a client was told was saved is lost");
        stored.Should().HaveCount(acknowledged.Select(a => a.Id).Distinct().Count(), "a retried write is applied once");

        var now = DateTimeOffset.UtcNow;
        var records = cluster.Silos.SelectMany(s => ActivationRecord.Read(s.Name, s.Process.Output, s == doomed ? killedAt : now)).ToList();
        records.Where(r => onDoomed.Contains(r.Tenant) && r.Silo != doomed.Name && r.Start > killedAt).Select(r => r.Tenant).Distinct()
            .Should().BeEquivalentTo(onDoomed, "the killed silo's tenants were activated again on live silos");
        ActivationRecord.Overlaps(records).Should().BeEmpty("one activation per tenant in the whole cluster");
    }

    /// <summary>Activates every tenant (a first call) and returns those Orleans placed on <paramref name="silo"/>.</summary>
    private async Task<List<string>> TenantsOnAsync(SiloNode silo, Dictionary<string, string> keys)
    {
        foreach (var (tenant, key) in keys)
        {
            using var http = ProcessCluster.Client(cluster.Silos[0].Url, key);
            (await http.GetAsync($"/api/tenants/{tenant}/notes")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var view = await FaultHttp.GetJsonAsync(cluster.Admin, "/admin/cluster");
        var address = view.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("name").GetString() == silo.Name).GetProperty("address").GetString();
        var tenants = await FaultHttp.GetJsonAsync(cluster.Admin, "/admin/tenants");
        return [.. tenants.EnumerateArray().Where(t => t.GetProperty("activation").GetString() == address).Select(t => t.GetProperty("id").GetString()!)];
    }

    /// <summary>A client that writes notes one after another; a 503 is retried with the same Idempotency-Key, as the contract says.</summary>
    private static async Task WriteUntilStoppedAsync(
        string tenant, HttpClient http, ConcurrentBag<(string, Guid, DateTimeOffset)> acknowledged, ConcurrentBag<string> refused, CancellationToken stop)
    {
        using (http)
        {
            for (var i = 0; !stop.IsCancellationRequested;)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tenants/{tenant}/notes")
                {
                    Content = JsonContent.Create(new { body = $"note {i}" }),
                    Headers = { { "Idempotency-Key", $"{tenant}-{i}" } },
                };
                using var response = await http.SendAsync(request, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged.Add((tenant, ApiCluster.Json(body).GetProperty("id").GetGuid(), DateTimeOffset.UtcNow));
                    i++;
                }
                else if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    refused.Add($"{tenant} note {i}: {(int)response.StatusCode} {body}");
                    i++;
                }
            }
        }
    }

    private async Task<List<Guid>> StoredNoteIdsAsync(IEnumerable<string> tenants)
    {
        // As the server's superuser, whom row-level security does not filter.
        await using var connection = new NpgsqlConnection(cluster.CatalogConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM crm.notes WHERE tenant_id = ANY($1)", connection);
        command.Parameters.AddWithValue(tenants.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}
