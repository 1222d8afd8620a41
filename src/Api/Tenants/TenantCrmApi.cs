using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.RegularExpressions;
using OrleansTenants.Api.Http;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Crm;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Api.Tenants;

/// <summary>
/// <c>/api/tenants/{tenantId}/{resource}[/{id}]</c>: every CRM resource through one set of endpoints, each a call
/// to the tenant's grain with the hash of the presented API key.
/// </summary>
public static partial class TenantCrmApi
{
    public static IEndpointRouteBuilder MapTenantCrmApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/{resource}").WithTags("CRM");
        group.MapGet("/", ListAsync).WithName("ListRows");
        group.MapPost("/", CreateAsync).WithName("CreateRow");
        group.MapGet("/{id}", GetAsync).WithName("GetRow");
        group.MapPatch("/{id}", PatchAsync).WithName("PatchRow");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteRow");
        return app;
    }

    private static async Task<IResult> ListAsync(string tenantId, string resource, HttpContext context, IGrainFactory grains, ApiKeyCatalog keys)
    {
        if (Check(context, tenantId, resource, out var keyHash) is { } problem)
        {
            return problem;
        }

        var query = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, values) in context.Request.Query)
        {
            if (values.Count > 1)
            {
                return ApiProblems.Field(name, "is given more than once");
            }

            query[name] = values.ToString();
        }

        var grain = grains.GetGrain<ITenantGrain>(tenantId);
        var result = await ReadRetry.RunAsync(ct => grain.ListAsync(keyHash, resource, query, ct), context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, tenantId, resource, keys);
    }

    private static Task<IResult> GetAsync(string tenantId, string resource, string id, HttpContext context, IGrainFactory grains, ApiKeyCatalog keys) =>
        OnRowAsync(tenantId, resource, id, context, grains, keys, (grain, keyHash, rowId, ct) => ReadRetry.RunAsync(c => grain.GetAsync(keyHash, resource, rowId, c), ct).AsTask());

    private static Task<IResult> DeleteAsync(string tenantId, string resource, string id, HttpContext context, IGrainFactory grains, ApiKeyCatalog keys) =>
        OnRowAsync(tenantId, resource, id, context, grains, keys, (grain, keyHash, rowId, ct) => grain.DeleteAsync(keyHash, resource, rowId, ct));

    /// <summary>A bodiless call on one row: the checks, then the grain.</summary>
    private static async Task<IResult> OnRowAsync(
        string tenantId,
        string resource,
        string id,
        HttpContext context,
        IGrainFactory grains,
        ApiKeyCatalog keys,
        Func<ITenantGrain, byte[], Guid, CancellationToken, Task<TenantResult>> call)
    {
        if (Check(context, tenantId, resource, out var keyHash) is { } problem)
        {
            return problem;
        }

        if (!Guid.TryParse(id, out var rowId))
        {
            return ApiProblems.Field("id", "is not a UUID");
        }

        var result = await call(grains.GetGrain<ITenantGrain>(tenantId), keyHash, rowId, context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, tenantId, resource, keys);
    }

    private static async Task<IResult> CreateAsync(string tenantId, string resource, HttpContext context, IGrainFactory grains, ApiKeyCatalog keys, JsonBody body)
    {
        if (Check(context, tenantId, resource, out var keyHash) is { } problem)
        {
            return problem;
        }

        // Two lines would otherwise be read as one key joined by a comma, a key the client never sent.
        var idempotencyKeys = context.Request.Headers["Idempotency-Key"];
        if (idempotencyKeys.Count > 1)
        {
            return ApiProblems.Field("Idempotency-Key", "is given more than once");
        }

        var idempotencyKey = idempotencyKeys.ToString();
        var (json, bodyProblem) = await body.ReadBytesAsync(context.Request, context.RequestAborted);
        if (json is null)
        {
            return bodyProblem!;
        }

        var result = await grains.GetGrain<ITenantGrain>(tenantId).CreateAsync(
            keyHash, resource, json, idempotencyKey.Length == 0 ? null : idempotencyKey, context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, tenantId, resource, keys);
    }

    private static async Task<IResult> PatchAsync(string tenantId, string resource, string id, HttpContext context, IGrainFactory grains, ApiKeyCatalog keys, JsonBody body)
    {
        if (Check(context, tenantId, resource, out var keyHash) is { } problem)
        {
            return problem;
        }

        if (!Guid.TryParse(id, out var rowId))
        {
            return ApiProblems.Field("id", "is not a UUID");
        }

        var (json, bodyProblem) = await body.ReadBytesAsync(context.Request, context.RequestAborted);
        if (json is null)
        {
            return bodyProblem!;
        }

        var result = await grains.GetGrain<ITenantGrain>(tenantId).PatchAsync(keyHash, resource, rowId, json, context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, tenantId, resource, keys);
    }

    /// <summary>What can be refused without asking the grain: no key, a tenant id that cannot exist, an unknown resource.</summary>
    private static ProblemHttpResult? Check(HttpContext context, string tenantId, string resource, out byte[] keyHash)
    {
        keyHash = [];
        if (BearerToken.From(context.Request) is not { } key)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiProblems.Unauthorized("Send the tenant's API key as 'Authorization: Bearer <key>'.");
        }

        if (!TenantId().IsMatch(tenantId))
        {
            return ApiProblems.NotFound($"There is no tenant '{tenantId}'.");
        }

        if (!CrmResources.TryGet(resource, out _))
        {
            return ApiProblems.NotFound($"There is no resource '{resource}'. Resources: {string.Join(", ", CrmResources.All.Select(r => r.Name))}.");
        }

        keyHash = ApiKeyCatalog.Hash(key);
        return null;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex TenantId();
}
