using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Catalog.Schema;

namespace OrleansTenants.Cli.AdminApi;

/// <summary>An admin API answer: the typed value and the JSON text it was read from (for <c>--json</c>).</summary>
internal sealed record AdminResponse<T>(T Value, string Json);

/// <summary>
/// The admin HTTP API (<c>/admin</c>), typed. A non-success answer throws <see cref="AdminApiException"/>
/// carrying the problem the server sent.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    // Requests leave out what is not set, as a person would write them.
    private static readonly AdminJsonContext Json = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });
    private readonly HttpClient _http;

    public AdminClient(Uri baseAddress, string? adminKey, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        // A trailing slash, so "admin/..." resolves under a base address with a path prefix too.
        _http.BaseAddress = new Uri(baseAddress.AbsoluteUri.TrimEnd('/') + "/");
        _http.Timeout = TimeSpan.FromMinutes(2);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        if (!string.IsNullOrEmpty(adminKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public Task<AdminResponse<List<TenantView>>> ListTenantsAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "admin/tenants", null, Json.ListTenantView, ct);

    public Task<AdminResponse<TenantView>> GetTenantAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"admin/tenants/{Segment(id)}", null, Json.TenantView, ct);

    public Task<AdminResponse<TenantView>> CreateTenantAsync(CreateTenantRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "admin/tenants", Body(request, Json.CreateTenantRequest), Json.TenantView, ct);

    public Task<AdminResponse<DeactivationView>> DeactivateTenantAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"admin/tenants/{Segment(id)}/deactivate", null, Json.DeactivationView, ct);

    public Task<AdminResponse<TenantHealth>> GetTenantHealthAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"admin/tenants/{Segment(id)}/health", null, Json.TenantHealth, ct);

    public Task<AdminResponse<TenantMove>> StartMoveAsync(string id, MoveTenantRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"admin/tenants/{Segment(id)}/moves", Body(request, Json.MoveTenantRequest), Json.TenantMove, ct);

    public Task<AdminResponse<TenantMovePlan>> PlanMoveAsync(string id, MoveTenantRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"admin/tenants/{Segment(id)}/moves/plan", Body(request, Json.MoveTenantRequest), Json.TenantMovePlan, ct);

    public Task<AdminResponse<TenantMove>> CancelMoveAsync(string id, Guid moveId, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"admin/tenants/{Segment(id)}/moves/{moveId}", null, Json.TenantMove, ct);

    public Task<AdminResponse<TenantMove>> GetMoveAsync(string id, Guid moveId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"admin/tenants/{Segment(id)}/moves/{moveId}", null, Json.TenantMove, ct);

    public Task<AdminResponse<List<TenantMove>>> ListMovesAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"admin/tenants/{Segment(id)}/moves", null, Json.ListTenantMove, ct);

    public Task<AdminResponse<TenantView>> ReplaceConnectionAsync(string id, ReplaceConnectionRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, $"admin/tenants/{Segment(id)}/connection", Body(request, Json.ReplaceConnectionRequest), Json.TenantView, ct);

    public Task<AdminResponse<ApiKeyView>> IssueApiKeyAsync(string tenantId, IssueApiKeyRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"admin/tenants/{Segment(tenantId)}/api-keys", Body(request, Json.IssueApiKeyRequest), Json.ApiKeyView, ct);

    public Task RevokeApiKeyAsync(string tenantId, Guid keyId, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"admin/tenants/{Segment(tenantId)}/api-keys/{keyId}", null, CliJsonContext.Default.JsonElement, ct);

    public Task<AdminResponse<List<DatabaseRecord>>> ListDatabasesAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "admin/databases", null, Json.ListDatabaseRecord, ct);

    public Task<AdminResponse<DatabaseRecord>> RegisterDatabaseAsync(RegisterDatabaseRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "admin/databases", Body(request, Json.RegisterDatabaseRequest), Json.DatabaseRecord, ct);

    public Task<AdminResponse<ShardSetView>> CreateShardSetAsync(CreateShardSetRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "admin/shard-sets", Body(request, Json.CreateShardSetRequest), Json.ShardSetView, ct);

    public Task<AdminResponse<ClusterView>> GetClusterAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "admin/cluster", null, Json.ClusterView, ct);

    public Task<AdminResponse<JsonElement>> GetMetricsAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "admin/metrics", null, CliJsonContext.Default.JsonElement, ct);

    public Task<AdminResponse<SchemaStatusReport>> GetSchemaStatusAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "admin/schema", null, CliJsonContext.Default.SchemaStatusReport, ct);

    public Task<AdminResponse<KeyRotationResult>> RotateEncryptionAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "admin/encryption/rotate", null, Json.KeyRotationResult, ct);

    public void Dispose() => _http.Dispose();

    private static string Segment(string value) => Uri.EscapeDataString(value);

    // A string body, so the request carries a Content-Length (the API reads optional bodies only when it has one).
    private static StringContent Body<T>(T value, JsonTypeInfo<T> typeInfo) =>
        new(JsonSerializer.Serialize(value, typeInfo), Encoding.UTF8, "application/json");

    private async Task<AdminResponse<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> typeInfo, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw AdminApiException.From(method, path, response.StatusCode, body);
        }

        if (response.StatusCode == HttpStatusCode.NoContent || body.Length == 0)
        {
            return new AdminResponse<T>(default!, "");
        }

        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            return value is null
                ? throw new AdminApiException((int)response.StatusCode, "Unexpected answer", $"{method} /{path} answered null.")
                : new AdminResponse<T>(value, body);
        }
        catch (JsonException ex)
        {
            throw new AdminApiException((int)response.StatusCode, "Unexpected answer", $"{method} /{path} answered JSON this CLI cannot read: {ex.Message}");
        }
    }
}

/// <summary>A non-success answer of the admin API, with the problem it carried.</summary>
internal sealed class AdminApiException : Exception
{
    public AdminApiException()
        : this(0, "Error", null)
    {
    }

    public AdminApiException(string message)
        : this(0, "Error", message)
    {
    }

    public AdminApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Title = "Error";
        Detail = message;
    }

    public AdminApiException(int status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(detail is null ? title : $"{title}: {detail}")
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors;
    }

    public int Status { get; }

    public string Title { get; }

    public string? Detail { get; }

    public IReadOnlyDictionary<string, string[]>? Errors { get; }

    public static AdminApiException From(HttpMethod method, string path, HttpStatusCode status, string body)
    {
        ProblemInfo? problem = null;
        try
        {
            problem = body.Length > 0 ? JsonSerializer.Deserialize(body, CliJsonContext.Default.ProblemInfo) : null;
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's HTML page, say): fall back to the status line.
        }

        var title = problem?.Title ?? $"HTTP {(int)status} {status}";
        var detail = problem?.Detail ?? (problem is null && body.Length > 0 ? Shorten(body) : $"{method} /{path} failed.");
        return new AdminApiException((int)status, title, detail, problem?.Errors);
    }

    private static string Shorten(string body)
    {
        var text = body.ReplaceLineEndings(" ").Trim();
        return text.Length <= 200 ? text : text[..200] + "...";
    }
}
