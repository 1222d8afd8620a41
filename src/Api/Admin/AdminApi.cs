using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OrleansTenants.Api.Cluster;
using OrleansTenants.Api.Http;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Schema;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Api.Admin;

/// <summary><c>/admin</c>: databases, shard sets, tenants, keys, connections, deactivation, health, cluster, metrics.</summary>
public static class AdminApi
{
    private const string Actor = "admin-api";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Admin").AddEndpointFilter<AdminKeyFilter>().AddEndpointFilter<AdminErrorFilter>();

        admin.MapPost("/databases", RegisterDatabaseAsync);
        admin.MapGet("/databases", async (DatabaseCatalog databases, CancellationToken ct) =>
            Json(await databases.ListAsync(ct), AdminJsonContext.Default.IReadOnlyListDatabaseRecord));
        admin.MapPost("/shard-sets", CreateShardSetAsync);
        admin.MapPost("/tenants", CreateTenantAsync);
        admin.MapGet("/tenants", ListTenantsAsync);
        admin.MapGet("/tenants/{id}", GetTenantAsync);
        admin.MapPost("/tenants/{id}/api-keys", IssueKeyAsync);
        admin.MapDelete("/tenants/{id}/api-keys/{keyId}", async (string id, string keyId, TenantAdministration administration, CancellationToken ct) =>
            !Guid.TryParse(keyId, out var key)
                ? ApiProblems.Field("keyId", "is not a UUID")
                : await administration.RevokeApiKeyAsync(id, key, Actor, ct)
                    ? (IResult)TypedResults.NoContent()
                    : ApiProblems.NotFound($"Tenant '{id}' has no live API key {key}."));
        admin.MapPut("/tenants/{id}/connection", ReplaceConnectionAsync);
        admin.MapPost("/tenants/{id}/deactivate", async (string id, TenantCatalog tenants, TenantAdministration administration, CancellationToken ct) =>
            await tenants.GetAsync(id, ct) is null
                ? (IResult)ApiProblems.NotFound($"There is no tenant '{id}'.")
                : Json(new DeactivationView(await administration.DeactivateAsync(id, Actor, ct)), AdminJsonContext.Default.DeactivationView));
        admin.MapPost("/tenants/{id}/moves", StartMoveAsync);
        admin.MapPost("/tenants/{id}/moves/plan", PlanMoveAsync);
        admin.MapGet("/tenants/{id}/moves", async (string id, TenantCatalog tenants, TenantMoveCatalog moves, CancellationToken ct) =>
            await tenants.GetAsync(id, ct) is null
                ? (IResult)ApiProblems.NotFound($"There is no tenant '{id}'.")
                : Json(await moves.ListAsync(id, ct), AdminJsonContext.Default.IReadOnlyListTenantMove));
        admin.MapGet("/tenants/{id}/moves/{moveId}", async (string id, string moveId, TenantMoveCatalog moves, CancellationToken ct) =>
            !Guid.TryParse(moveId, out var move)
                ? (IResult)ApiProblems.Field("moveId", "is not a UUID")
                : await moves.GetAsync(id, move, ct) is { } found
                    ? Json(found, AdminJsonContext.Default.TenantMove)
                    : ApiProblems.NotFound($"Tenant '{id}' has no move {move}."));
        admin.MapDelete("/tenants/{id}/moves/{moveId}", CancelMoveAsync);
        admin.MapGet("/tenants/{id}/health", async (string id, TenantCatalog tenants, IGrainFactory grains, CancellationToken ct) =>
            await tenants.GetAsync(id, ct) is null
                ? (IResult)ApiProblems.NotFound($"There is no tenant '{id}'.")
                : Json(await grains.GetGrain<ITenantGrain>(id).CheckHealthAsync(ct), AdminJsonContext.Default.TenantHealth));
        admin.MapGet("/cluster", async (ClusterOverview cluster) =>
            Json(await cluster.ReadAsync(), AdminJsonContext.Default.ClusterView));
        admin.MapGet("/metrics", async (OrleansMetrics orleans, IServiceProvider services, TenantCatalog tenants, CancellationToken ct) =>
            Json(
                // A standalone Api holds no pools: only a silo has shared data sources.
                new MetricsView(orleans.Snapshot(), services.GetService<SharedDataSources>()?.Count ?? 0, (await tenants.ListAsync(ct)).Count),
                AdminJsonContext.Default.MetricsView));
        admin.MapGet("/schema", async (SchemaMigrator migrator, CancellationToken ct) =>
            Json(await migrator.GetStatusAsync(ct), AdminJsonContext.Default.SchemaStatusReport));
        admin.MapPost("/encryption/rotate", async (EncryptionKeyRotation rotation, CancellationToken ct) =>
            Json(await rotation.ReencryptAllAsync(Actor, ct), AdminJsonContext.Default.KeyRotationResult));
        return app;
    }

    private static async Task<IResult> RegisterDatabaseAsync(HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await ReadAsync(context, body, AdminJsonContext.Default.RegisterDatabaseRequest);
        if (request is null)
        {
            return problem!;
        }

        var database = await administration.RegisterDatabaseAsync(request, Actor, context.RequestAborted);
        return Json(database, AdminJsonContext.Default.DatabaseRecord, StatusCodes.Status201Created);
    }

    private static async Task<IResult> CreateShardSetAsync(HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await ReadAsync(context, body, AdminJsonContext.Default.CreateShardSetRequest);
        if (request is null)
        {
            return problem!;
        }

        await administration.CreateShardSetAsync(request, Actor, context.RequestAborted);
        return Json(new ShardSetView(request.Name!, request.Databases!), AdminJsonContext.Default.ShardSetView, StatusCodes.Status201Created);
    }

    private static async Task<IResult> CreateTenantAsync(HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await ReadAsync(context, body, AdminJsonContext.Default.CreateTenantRequest);
        if (request is null)
        {
            return problem!;
        }

        var tenant = await administration.CreateTenantAsync(request, Actor, context.RequestAborted);
        context.Response.Headers.Location = $"/admin/tenants/{tenant.Id}";
        return Json(TenantView.From(tenant, null), AdminJsonContext.Default.TenantView, StatusCodes.Status201Created);
    }

    private static async Task<IResult> StartMoveAsync(string id, HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await ReadAsync(context, body, AdminJsonContext.Default.MoveTenantRequest);
        if (request is null)
        {
            return problem!;
        }

        var move = await administration.StartMoveAsync(id, request, Actor, context.RequestAborted);
        context.Response.Headers.Location = $"/admin/tenants/{id}/moves/{move.Id}";
        return Json(move, AdminJsonContext.Default.TenantMove, StatusCodes.Status202Accepted);
    }

    /// <summary>What the same POST to <c>/moves</c> would do, refused as it would be; nothing is changed.</summary>
    private static async Task<IResult> PlanMoveAsync(string id, HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await ReadAsync(context, body, AdminJsonContext.Default.MoveTenantRequest);
        return request is null
            ? problem!
            : Json(await administration.PlanMoveAsync(id, request, context.RequestAborted), AdminJsonContext.Default.TenantMovePlan);
    }

    /// <summary>Cancels an online move before its cut-over: 202 while its job drops the replication, 409 once it is past that point.</summary>
    private static async Task<IResult> CancelMoveAsync(string id, string moveId, TenantAdministration administration, TenantMoveCatalog moves, HttpContext context)
    {
        if (!Guid.TryParse(moveId, out var move))
        {
            return ApiProblems.Field("moveId", "is not a UUID");
        }

        if (!await administration.CancelMoveAsync(id, move, Actor, context.RequestAborted))
        {
            throw new AdminConflictException($"Move {move} of tenant '{id}' cannot be cancelled: it is offline, cutting over or finished.");
        }

        context.Response.Headers.Location = $"/admin/tenants/{id}/moves/{move}";
        return Json((await moves.GetAsync(id, move, context.RequestAborted))!, AdminJsonContext.Default.TenantMove, StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListTenantsAsync(TenantCatalog tenants, TenantActivations activations, CancellationToken ct)
    {
        var all = await tenants.ListAsync(ct);
        var located = await activations.LocateAllAsync();
        return Json([.. all.Select(t => TenantView.From(t, located.GetValueOrDefault(t.Id)?.ToParsableString()))], AdminJsonContext.Default.ListTenantView);
    }

    private static async Task<IResult> GetTenantAsync(string id, TenantCatalog tenants, TenantActivations activations, CancellationToken ct) =>
        await tenants.GetAsync(id, ct) is { } tenant
            ? Json(TenantView.From(tenant, (await activations.LocateAsync(id))?.ToParsableString()), AdminJsonContext.Default.TenantView)
            : ApiProblems.NotFound($"There is no tenant '{id}'.");

    private static async Task<IResult> IssueKeyAsync(string id, HttpContext context, JsonBody body, TenantAdministration administration)
    {
        IssueApiKeyRequest? request = null;
        if (context.Request.ContentLength > 0)
        {
            (request, var problem) = await ReadAsync(context, body, AdminJsonContext.Default.IssueApiKeyRequest);
            if (request is null)
            {
                return problem!;
            }
        }

        var key = await administration.IssueApiKeyAsync(id, request, Actor, context.RequestAborted);
        return Json(new ApiKeyView(key.Id, key.Key), AdminJsonContext.Default.ApiKeyView, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ReplaceConnectionAsync(string id, HttpContext context, JsonBody body, TenantAdministration administration, TenantCatalog tenants)
    {
        var (request, problem) = await ReadAsync(context, body, AdminJsonContext.Default.ReplaceConnectionRequest);
        if (request is null)
        {
            return problem!;
        }

        return await administration.ReplaceConnectionAsync(id, request, Actor, context.RequestAborted)
            ? Json(TenantView.From((await tenants.GetAsync(id, context.RequestAborted))!, null), AdminJsonContext.Default.TenantView)
            : ApiProblems.NotFound($"There is no tenant '{id}'.");
    }

    private static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext context, JsonBody body, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var (document, problem) = await body.ReadAsync(context.Request, context.RequestAborted);
        if (document is null)
        {
            return (null, problem);
        }

        using (document)
        {
            try
            {
                return document.Deserialize(typeInfo) is { } value
                    ? (value, null)
                    : (null, ApiProblems.BadRequest("The request body must be a JSON object."));
            }
            catch (JsonException ex)
            {
                return (null, ApiProblems.BadRequest($"The request body does not fit: {ex.Message}"));
            }
        }
    }

    private static JsonBytesResult Json<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode = StatusCodes.Status200OK) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), statusCode);
}
