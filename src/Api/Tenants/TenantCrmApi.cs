using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Api.Http;

namespace OrleansTenants.Api.Tenants;

/// <summary>
/// <c>/api/tenants/{tenantId}/{resource}[/{id}]</c>: every CRM resource through one set of endpoints, each a call
/// to the tenant's grain with the hash of the presented API key. <see cref="CrmRequestFilter"/> checks them first.
/// </summary>
public static class TenantCrmApi
{
    public static IEndpointRouteBuilder MapTenantCrmApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/{resource}").WithTags("CRM").AddEndpointFilter<CrmRequestFilter>();
        group.MapGet("/", ListAsync).WithName("ListRows").WithSummary("List rows: filters, sort and keyset cursor from the query");
        group.MapPost("/", CreateAsync).WithName("CreateRow").WithSummary("Create a row (Idempotency-Key replays the first answer)");
        group.MapGet("/{id}", GetAsync).WithName("GetRow").WithSummary("One row by id");
        group.MapPatch("/{id}", PatchAsync).WithName("PatchRow").WithSummary("Change some fields of a row");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteRow").WithSummary("Delete a row");
        return app;
    }

    public static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains, TenantKeyRefusal refusal)
    {
        var call = CrmCall.Of(context);
        var query = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, values) in context.Request.Query)
        {
            if (values.Count > 1)
            {
                return ApiProblems.Field(name, "is given more than once");
            }

            query[name] = values.ToString();
        }

        var grain = grains.GetGrain<ITenantGrain>(call.TenantId);
        var result = await ReadRetry.RunAsync(ct => grain.ListAsync(call.KeyHash, call.Resource, query, ct), context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, call, refusal);
    }

    public static async Task<IResult> GetAsync(HttpContext context, IGrainFactory grains, TenantKeyRefusal refusal)
    {
        var call = CrmCall.Of(context);
        var grain = grains.GetGrain<ITenantGrain>(call.TenantId);
        var result = await ReadRetry.RunAsync(ct => grain.GetAsync(call.KeyHash, call.Resource, call.RowId, ct), context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, call, refusal);
    }

    public static async Task<IResult> DeleteAsync(HttpContext context, IGrainFactory grains, TenantKeyRefusal refusal)
    {
        var call = CrmCall.Of(context);
        var result = await grains.GetGrain<ITenantGrain>(call.TenantId).DeleteAsync(call.KeyHash, call.Resource, call.RowId, context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, call, refusal);
    }

    public static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, TenantKeyRefusal refusal, JsonBody body)
    {
        var call = CrmCall.Of(context);

        // Two lines would otherwise be read as one key joined by a comma, a key the client never sent.
        var idempotencyKeys = context.Request.Headers["Idempotency-Key"];
        if (idempotencyKeys.Count > 1)
        {
            return ApiProblems.Field("Idempotency-Key", "is given more than once");
        }

        var idempotencyKey = idempotencyKeys.ToString();
        var (json, problem) = await body.ReadBytesAsync(context.Request, context.RequestAborted);
        if (json is null)
        {
            return problem!;
        }

        var result = await grains.GetGrain<ITenantGrain>(call.TenantId).CreateAsync(
            call.KeyHash, call.Resource, json, idempotencyKey.Length == 0 ? null : idempotencyKey, context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, call, refusal);
    }

    public static async Task<IResult> PatchAsync(HttpContext context, IGrainFactory grains, TenantKeyRefusal refusal, JsonBody body)
    {
        var call = CrmCall.Of(context);
        var (json, problem) = await body.ReadBytesAsync(context.Request, context.RequestAborted);
        if (json is null)
        {
            return problem!;
        }

        var result = await grains.GetGrain<ITenantGrain>(call.TenantId).PatchAsync(call.KeyHash, call.Resource, call.RowId, json, context.RequestAborted);
        return await TenantHttpResults.ToHttpAsync(result, context, call, refusal);
    }
}
