using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Administration;

namespace OrleansTenants.LoadTester.Provisioning;

/// <summary>
/// The admin API as the load tester uses it (<c>Authorization: Bearer &lt;admin key&gt;</c>), in the admin contract's
/// requests and answers (the records of Grains' AdminRequests.cs and AdminViews.cs), as the API and the CLI speak them.
/// </summary>
internal sealed class AdminClient(HttpClient http, Func<Uri> baseUrl, string adminKey)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public async Task<IReadOnlyList<DatabaseRecord>> ListDatabasesAsync(CancellationToken cancellationToken) =>
        await SendAsync<List<DatabaseRecord>>(HttpMethod.Get, "admin/databases", null, cancellationToken) ?? [];

    public Task RegisterDatabaseAsync(string name, string connectionString, string? migrationConnectionString, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, "admin/databases", new RegisterDatabaseRequest(name, connectionString, null, migrationConnectionString), cancellationToken);

    public Task CreateShardSetAsync(string name, IReadOnlyList<string> databases, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, "admin/shard-sets", new CreateShardSetRequest(name, databases), cancellationToken);

    public async Task<IReadOnlyList<TenantView>> ListTenantsAsync(CancellationToken cancellationToken) =>
        await SendAsync<List<TenantView>>(HttpMethod.Get, "admin/tenants", null, cancellationToken) ?? [];

    public Task CreateTenantAsync(string id, string name, string industry, TenantPlacementRequest placement, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, "admin/tenants", new CreateTenantRequest(id, name, industry, placement), cancellationToken);

    public async Task<string> IssueApiKeyAsync(string tenantId, CancellationToken cancellationToken) =>
        (await SendAsync<ApiKeyView>(HttpMethod.Post, $"admin/tenants/{tenantId}/api-keys", new IssueApiKeyRequest("loadtest"), cancellationToken))?.Key
        ?? throw new InvalidOperationException($"Issuing an API key for {tenantId} returned nothing.");

    public Task ReplaceConnectionAsync(string tenantId, string connectionString, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Put, $"admin/tenants/{tenantId}/connection", new ReplaceConnectionRequest(connectionString, null), cancellationToken);

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
