using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.Api.Tests.Faults;

namespace OrleansTenants.Api.Tests;

/// <summary>What the move tests do again and again: tenants in <c>shared-one</c>, moves started and followed, rows read back.</summary>
internal sealed class MoveSteps(PlacementModesFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private ApiCluster Cluster => fixture.Cluster;

    private readonly ConcurrentDictionary<string, string> _keys = new();

    public string Key(string tenant) => _keys[tenant];

    public async Task<(string Tenant, HttpClient Http)> NewSharedTenantAsync(string prefix)
    {
        var tenant = $"{prefix}-{Guid.NewGuid():N}"[..20];
        _keys[tenant] = await Cluster.CreateTenantAsync(tenant, new { mode = "shared", database = "shared-one" });
        return (tenant, Cluster.TenantClient(_keys[tenant]));
    }

    /// <summary>Starts a move (202 with Location) and follows it until it ends.</summary>
    public async Task<JsonElement> MoveAsync(string tenant, object placement, string? mode = null)
    {
        using var started = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement, mode });
        started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        return await FollowAsync(started.Headers.Location!.ToString(), tenant);
    }

    /// <summary>Follows a move until it ended and, online, its replication is cleaned up (no phase left).</summary>
    public Task<JsonElement> FollowAsync(string location, string tenant) => FaultHttp.EventuallyAsync(
        () => Cluster.Admin.GetFromJsonAsync<JsonElement>(location),
        move => move.GetProperty("status").GetString() is "completed" or "failed" or "cancelled" && move.GetProperty("phase").ValueKind == JsonValueKind.Null,
        Patience,
        $"the move of {tenant} ends");

    public static async Task<Guid> CreateAsync(HttpClient http, string tenant, string resource, object body, string? idempotencyKey = null)
    {
        using var response = await PostAsync(http, tenant, resource, body, idempotencyKey);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, $"POST {resource}: {text}");
        return ApiCluster.Json(text).GetProperty("id").GetGuid();
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string tenant, string resource, object body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tenants/{tenant}/{resource}") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return http.SendAsync(request);
    }

    public static async Task<string> ReadAsync(HttpClient http, string tenant, string path)
    {
        var answer = await FaultHttp.GetAsync(http, $"/api/tenants/{tenant}/{path}");
        answer.Status.Should().Be(HttpStatusCode.OK, answer.ToString());
        return answer.Body;
    }

    public static async Task<List<Guid>> ListIdsAsync(HttpClient http, string tenant, string resource)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await FaultHttp.GetJsonAsync(http, $"/api/tenants/{tenant}/{resource}?limit=500{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }

    /// <summary>No publication, slot or subscription of the move is left, whatever its outcome; its source is <c>shared-one</c> here.</summary>
    public async Task ShouldLeaveNoReplicationAsync(JsonElement move)
    {
        move.GetProperty("fromDatabase").GetString().Should().Be("shared-one");
        await ReplicationLeftovers.ShouldBeNoneAsync(Cluster.Server.GetConnectionString(fixture.SharedDatabase), move);
    }

    public async Task<long> RowsInSharedDatabaseAsync(string tenant)
    {
        // As the server's superuser, which row-level security does not filter: every row of the tenant, in any table.
        await using var connection = new NpgsqlConnection(Cluster.Server.GetConnectionString(fixture.SharedDatabase));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM crm.accounts WHERE tenant_id = $1) + (SELECT count(*) FROM crm.contacts WHERE tenant_id = $1) + " +
            "(SELECT count(*) FROM crm.invoices WHERE tenant_id = $1) + (SELECT count(*) FROM crm.notes WHERE tenant_id = $1) + " +
            "(SELECT count(*) FROM crm.idempotency_keys WHERE tenant_id = $1)",
            connection);
        command.Parameters.AddWithValue(tenant);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(string connectionString, string sql, string? parameter = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}
