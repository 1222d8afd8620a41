using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTenants.Api.Http;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Api.Tenants;

/// <summary>
/// Why a tenant's grain did not accept the presented key, told apart in the catalog only then (the grain knows its own
/// keys, not other tenants'): a key of another tenant is 403, anything else 401. Never data.
/// </summary>
public sealed class TenantKeyRefusal(ApiKeyCatalog keys)
{
    public async Task<ProblemHttpResult> ExplainAsync(HttpContext context, string tenantId)
    {
        var owner = BearerToken.From(context.Request) is { } key ? await keys.FindTenantAsync(key, context.RequestAborted) : null;
        if (owner is not null && owner != tenantId)
        {
            return ApiProblems.Forbidden("This API key belongs to another tenant.");
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblems.Unauthorized("The API key is not valid for this tenant.");
    }
}
