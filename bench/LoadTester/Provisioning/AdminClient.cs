using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTenants.LoadTester.Provisioning;

/// <summary>The admin API as the load tester uses it (<c>Authorization: Bearer &lt;admin key&gt;</c>).</summary>
internal sealed class AdminClient(HttpClient http, Func<Uri> baseUrl, string adminKey)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public async Task<IReadOnlyList<DatabaseView>> ListDatabasesAsync(CancellationToken cancellationToken) =>
        await SendAsync<List<DatabaseView>>(HttpMethod.Get, "admin/databases", null, cancellationToken) ?? [];

    public Task RegisterDatabaseAsync(string name, string connectionString, string? migrationConnectionString, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, "admin/databases", new { name, connectionString, migrationConnectionString }, cancellationToken);

    public Task CreateShardSetAsync(string name, IReadOnlyList<string> databases, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, "admin/shard-sets", new { name, databases }, cancellationToken);

    public async Task<IReadOnlyList<TenantView>> ListTenantsAsync(CancellationToken cancellationToken) =>
        await SendAsync<List<TenantView>>(HttpMethod.Get, "admin/tenants", null, cancellationToken) ?? [];

    public Task CreateTenantAsync(string id, string name, string industry, object placement, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, "admin/tenants", new { id, name, industry, placement }, cancellationToken);

    public async Task<string> IssueApiKeyAsync(string tenantId, CancellationToken cancellationToken) =>
        (await SendAsync<ApiKeyView>(HttpMethod.Post, $"admin/tenants/{tenantId}/api-keys", new { name = "loadtest" }, cancellationToken))?.Key
        ?? throw new InvalidOperationException($"Issuing an API key for {tenantId} returned nothing.");

    public Task ReplaceConnectionAsync(string tenantId, string connectionString, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Put, $"admin/tenants/{tenantId}/connection", new { connectionString }, cancellationToken);

    public async Task<ClusterView> GetClusterAsync(CancellationToken cancellationToken) =>
        await SendAsync<ClusterView>(HttpMethod.Get, "admin/cluster", null, cancellationToken) ?? new ClusterView([]);

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseUrl(), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new AdminCallException(method, path, response.StatusCode, detail);
        }

        return response.StatusCode == HttpStatusCode.NoContent ? default : await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
    }
}

internal sealed class AdminCallException(HttpMethod method, string path, HttpStatusCode status, string detail)
    : Exception($"{method} /{path} answered {(int)status}: {detail}")
{
    public HttpStatusCode Status { get; } = status;
}

internal sealed record DatabaseView(string Name, string Kind, string? ShardSet, int? ShardIndex);

internal sealed record TenantView(string Id, string Name, string Status, PlacementView Placement, string? Activation);

internal sealed record PlacementView(string Mode, string Database, bool OwnConnectionSettings);

internal sealed record ApiKeyView(Guid Id, string Key);

internal sealed record ClusterView(IReadOnlyList<SiloView> Silos);

internal sealed record SiloView(string Address, string Name, string? Url, string Status, int Activations);
