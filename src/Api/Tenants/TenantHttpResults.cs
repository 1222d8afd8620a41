using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Api.Http;

namespace OrleansTenants.Api.Tenants;

/// <summary>Maps a tenant grain's answer to HTTP: bodies pass through as the grain wrote them.</summary>
internal static class TenantHttpResults
{
    public static async Task<IResult> ToHttpAsync(TenantResult result, HttpContext context, CrmCall call, TenantKeyRefusal refusal)
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

                context.Response.Headers.Location = $"/api/tenants/{call.TenantId}/{call.Resource}/{result.Id}";
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
                return await refusal.ExplainAsync(context, call.TenantId);
        }
    }
}
