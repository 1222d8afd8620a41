using OrleansTenants.Api.Http;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Api.Tenants;

/// <summary>Maps a tenant grain's answer to HTTP: bodies pass through as the grain wrote them.</summary>
internal static class TenantHttpResults
{
    public static async Task<IResult> ToHttpAsync(TenantResult result, HttpContext context, string tenantId, string resource, ApiKeyCatalog keys)
    {
        switch (result.Outcome)
        {
            case TenantOutcome.Ok:
                return new JsonBytesResult(result.Json!, StatusCodes.Status200OK);
            case TenantOutcome.Created:
                if (result.Replayed)
                {
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                }

                context.Response.Headers.Location = $"/api/tenants/{tenantId}/{resource}/{result.Id}";
                return new JsonBytesResult(result.Json!, StatusCodes.Status201Created);
            case TenantOutcome.Deleted:
                return TypedResults.NoContent();
            case TenantOutcome.NotFound:
                return ApiProblems.NotFound(result.Detail ?? "Not found.");
            case TenantOutcome.Invalid:
                return ApiProblems.BadRequest(result.Detail ?? "The request is invalid.", result.Errors);
            case TenantOutcome.Conflict:
                return ApiProblems.Create(StatusCodes.Status409Conflict, "Conflict", result.Detail ?? "The row conflicts with an existing one.", result.Errors);
            case TenantOutcome.IdempotencyMismatch:
                return ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, "Idempotency key reused", result.Detail ?? "This Idempotency-Key was used with another body.");
            case TenantOutcome.Suspended:
                return ApiProblems.Forbidden(result.Detail ?? "The tenant is not active.");
            case TenantOutcome.TooManyRequests:
                context.Response.Headers.RetryAfter = (result.RetryAfterSeconds ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ApiProblems.Create(StatusCodes.Status429TooManyRequests, "Too many requests", result.Detail ?? "The tenant's concurrency limit is reached.");
            case TenantOutcome.DatabaseUnavailable:
                context.Response.Headers.RetryAfter = (result.RetryAfterSeconds ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "Tenant database unavailable", result.Detail ?? "The tenant's database is unreachable.");
            default:
                return await UnauthorizedAsync(context, tenantId, keys);
        }
    }

    /// <summary>The grain does not know the key: a key of another tenant is 403, anything else 401. Never data.</summary>
    private static async Task<IResult> UnauthorizedAsync(HttpContext context, string tenantId, ApiKeyCatalog keys)
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
