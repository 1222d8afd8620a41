using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Api.Http;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Api.Admin;

public static partial class AdminApi
{
    private static void MapTenants(RouteGroupBuilder admin)
    {
        admin.MapPost("/tenants", CreateTenantAsync).WithName("CreateTenant").WithSummary("Create a tenant and its placement")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapGet("/tenants", ListTenantsAsync).WithName("ListTenants").WithSummary("List tenants with the silo holding each activation");
        admin.MapGet("/tenants/{id}", GetTenantAsync).WithName("GetTenant").WithSummary("A tenant, its placement and activation");
        admin.MapPost("/tenants/{id}/api-keys", IssueApiKeyAsync).WithName("IssueApiKey").WithSummary("Issue a tenant API key, shown once")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        admin.MapDelete("/tenants/{id}/api-keys/{keyId}", RevokeApiKeyAsync).WithName("RevokeApiKey").WithSummary("Revoke a tenant API key")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        admin.MapPut("/tenants/{id}/connection", ReplaceConnectionAsync).WithName("ReplaceConnection")
            .WithSummary("Replace the tenant's own connection settings (credential rotation)").ProducesProblem(StatusCodes.Status400BadRequest);
        admin.MapPost("/tenants/{id}/deactivate", DeactivateTenantAsync).WithName("DeactivateTenant")
            .WithSummary("Deactivate the tenant's grain, dropping its cached settings and pool");
        admin.MapGet("/tenants/{id}/health", GetTenantHealthAsync).WithName("GetTenantHealth")
            .WithSummary("Connect to and query the tenant's database through its grain");
    }

    public static async Task<Results<Created<TenantView>, ProblemHttpResult>> CreateTenantAsync(
        HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await body.ReadAsync(context, AdminRequestJson.Strict.CreateTenantRequest);
        if (request is null)
        {
            return problem!;
        }

        var tenant = await administration.CreateTenantAsync(request, Actor, context.RequestAborted);
        return TypedResults.Created($"/admin/tenants/{tenant.Id}", tenant.ToView(null));
    }

    public static async Task<Ok<List<TenantView>>> ListTenantsAsync(TenantCatalog tenants, TenantActivations activations, CancellationToken ct)
    {
        var all = await tenants.ListAsync(ct);
        var located = await activations.LocateAllAsync();
        return TypedResults.Ok<List<TenantView>>([.. all.Select(t => t.ToView(located.GetValueOrDefault(t.Id)?.ToParsableString()))]);
    }

    public static async Task<Results<Ok<TenantView>, ProblemHttpResult>> GetTenantAsync(
        string id, TenantCatalog tenants, TenantActivations activations, CancellationToken ct) =>
        await tenants.GetAsync(id, ct) is { } tenant
            ? TypedResults.Ok(tenant.ToView((await activations.LocateAsync(id))?.ToParsableString()))
            : ApiProblems.NoTenant(id);

    public static async Task<Results<Created<ApiKeyView>, ProblemHttpResult>> IssueApiKeyAsync(
        string id, HttpContext context, JsonBody body, TenantAdministration administration)
    {
        IssueApiKeyRequest? request = null;
        if (context.Request.ContentLength > 0)
        {
            (request, var problem) = await body.ReadAsync(context, AdminRequestJson.Strict.IssueApiKeyRequest);
            if (request is null)
            {
                return problem!;
            }
        }

        var key = await administration.IssueApiKeyAsync(id, request, Actor, context.RequestAborted);
        return TypedResults.Created((string?)null, new ApiKeyView(key.Id, key.Key));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKeyAsync(
        string id, string keyId, TenantAdministration administration, CancellationToken ct)
    {
        if (!Guid.TryParse(keyId, out var key))
        {
            return ApiProblems.Field("keyId", "is not a UUID");
        }

        return await administration.RevokeApiKeyAsync(id, key, Actor, ct)
            ? TypedResults.NoContent()
            : ApiProblems.NotFound($"Tenant '{id}' has no live API key {key}.");
    }

    public static async Task<Results<Ok<TenantView>, ProblemHttpResult>> ReplaceConnectionAsync(
        string id, HttpContext context, JsonBody body, TenantAdministration administration, TenantCatalog tenants)
    {
        var (request, problem) = await body.ReadAsync(context, AdminRequestJson.Strict.ReplaceConnectionRequest);
        if (request is null)
        {
            return problem!;
        }

        return await administration.ReplaceConnectionAsync(id, request, Actor, context.RequestAborted)
            ? TypedResults.Ok((await tenants.GetAsync(id, context.RequestAborted))!.ToView(null))
            : ApiProblems.NoTenant(id);
    }

    public static async Task<Results<Ok<DeactivationView>, ProblemHttpResult>> DeactivateTenantAsync(
        string id, TenantCatalog tenants, TenantAdministration administration, CancellationToken ct) =>
        await tenants.GetAsync(id, ct) is null
            ? ApiProblems.NoTenant(id)
            : TypedResults.Ok(new DeactivationView(await administration.DeactivateAsync(id, Actor, ct)));

    public static async Task<Results<Ok<TenantHealth>, ProblemHttpResult>> GetTenantHealthAsync(
        string id, TenantCatalog tenants, IGrainFactory grains, CancellationToken ct) =>
        await tenants.GetAsync(id, ct) is null
            ? ApiProblems.NoTenant(id)
            : TypedResults.Ok(await grains.GetGrain<ITenantGrain>(id).CheckHealthAsync(ct));
}
