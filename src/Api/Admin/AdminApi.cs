using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Api.Cluster;
using OrleansTenants.Api.Http;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Api.Admin;

/// <summary><c>/admin</c>: databases, shard sets, tenants, keys, connections, deactivation, health, cluster, metrics.</summary>
public static partial class AdminApi
{
    private const string Actor = "admin-api";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin")
            .WithTags("Admin")
            .AddEndpointFilter<AdminKeyFilter>()
            .AddEndpointFilter<AdminErrorFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapPost("/databases", RegisterDatabaseAsync).WithName("RegisterDatabase").WithSummary("Register a tenant database")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapGet("/databases", ListDatabasesAsync).WithName("ListDatabases").WithSummary("List the registered databases");
        admin.MapPost("/shard-sets", CreateShardSetAsync).WithName("CreateShardSet").WithSummary("Group shared databases into a shard set")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapGet("/cluster", GetClusterAsync).WithName("GetCluster").WithSummary("The cluster's silos and where tenants are active");
        admin.MapGet("/metrics", GetMetricsAsync).WithName("GetMetrics").WithSummary("Runtime figures of this process and the catalog");
        admin.MapGet("/schema", GetSchemaAsync).WithName("GetSchema").WithSummary("Migration status of the catalog and every tenant database");
        admin.MapPost("/encryption/rotate", RotateEncryptionKeyAsync).WithName("RotateEncryptionKey")
            .WithSummary("Re-encrypt every stored secret under the active key");
        MapTenants(admin);
        MapMoves(admin);
        return app;
    }

    public static async Task<Results<Created<DatabaseRecord>, ProblemHttpResult>> RegisterDatabaseAsync(
        HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await body.ReadAsync(context, AdminRequestJson.Strict.RegisterDatabaseRequest);
        if (request is null)
        {
            return problem!;
        }

        return TypedResults.Created((string?)null, await administration.RegisterDatabaseAsync(request, Actor, context.RequestAborted));
    }

    public static async Task<Ok<IReadOnlyList<DatabaseRecord>>> ListDatabasesAsync(DatabaseCatalog databases, CancellationToken ct) =>
        TypedResults.Ok(await databases.ListAsync(ct));

    public static async Task<Results<Created<ShardSetView>, ProblemHttpResult>> CreateShardSetAsync(
        HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await body.ReadAsync(context, AdminRequestJson.Strict.CreateShardSetRequest);
        if (request is null)
        {
            return problem!;
        }

        await administration.CreateShardSetAsync(request, Actor, context.RequestAborted);
        return TypedResults.Created((string?)null, new ShardSetView(request.Name!, request.Databases!));
    }

    public static async Task<Ok<ClusterView>> GetClusterAsync(ClusterOverview cluster) => TypedResults.Ok(await cluster.ReadAsync());

    public static async Task<Ok<MetricsView>> GetMetricsAsync(OrleansMetrics orleans, IServiceProvider services, TenantCatalog tenants, CancellationToken ct) =>
        // A standalone Api holds no pools: only a silo has shared data sources.
        TypedResults.Ok(new MetricsView(orleans.Snapshot(), services.GetService<SharedDataSources>()?.Count ?? 0, (await tenants.ListAsync(ct)).Count));

    public static async Task<Ok<SchemaStatusReport>> GetSchemaAsync(SchemaMigrator migrator, CancellationToken ct) =>
        TypedResults.Ok(await migrator.GetStatusAsync(ct));

    public static async Task<Ok<KeyRotationResult>> RotateEncryptionKeyAsync(EncryptionKeyRotation rotation, CancellationToken ct) =>
        TypedResults.Ok(await rotation.ReencryptAllAsync(Actor, ct));
}
