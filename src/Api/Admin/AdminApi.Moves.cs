using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Api.Http;
using OrleansTenants.Catalog.Moves;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.Administration;

namespace OrleansTenants.Api.Admin;

public static partial class AdminApi
{
    private static void MapMoves(RouteGroupBuilder admin)
    {
        admin.MapPost("/tenants/{id}/moves", StartMoveAsync).WithName("StartMove").WithSummary("Move the tenant to another placement")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPost("/tenants/{id}/moves/plan", PlanMoveAsync).WithName("PlanMove")
            .WithSummary("What the same move would do, refused as it would be; nothing is changed")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapGet("/tenants/{id}/moves", ListMovesAsync).WithName("ListMoves").WithSummary("The tenant's moves, newest first");
        admin.MapGet("/tenants/{id}/moves/{moveId}", GetMoveAsync).WithName("GetMove").WithSummary("One move, its phase, progress and verification")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        admin.MapDelete("/tenants/{id}/moves/{moveId}", CancelMoveAsync).WithName("CancelMove")
            .WithSummary("Cancel an online move before its cut-over").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
    }

    public static async Task<Results<Accepted<TenantMove>, ProblemHttpResult>> StartMoveAsync(
        string id, HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await body.ReadAsync(context, AdminRequestJson.Strict.MoveTenantRequest);
        if (request is null)
        {
            return problem!;
        }

        var move = await administration.StartMoveAsync(id, request, Actor, context.RequestAborted);
        return TypedResults.Accepted($"/admin/tenants/{id}/moves/{move.Id}", move);
    }

    public static async Task<Results<Ok<TenantMovePlan>, ProblemHttpResult>> PlanMoveAsync(
        string id, HttpContext context, JsonBody body, TenantAdministration administration)
    {
        var (request, problem) = await body.ReadAsync(context, AdminRequestJson.Strict.MoveTenantRequest);
        return request is null
            ? problem!
            : TypedResults.Ok(await administration.PlanMoveAsync(id, request, context.RequestAborted));
    }

    public static async Task<Results<Ok<IReadOnlyList<TenantMove>>, ProblemHttpResult>> ListMovesAsync(
        string id, TenantCatalog tenants, TenantMoveCatalog moves, CancellationToken ct) =>
        await tenants.GetAsync(id, ct) is null ? ApiProblems.NoTenant(id) : TypedResults.Ok(await moves.ListAsync(id, ct));

    public static async Task<Results<Ok<TenantMove>, ProblemHttpResult>> GetMoveAsync(string id, string moveId, TenantMoveCatalog moves, CancellationToken ct)
    {
        if (!Guid.TryParse(moveId, out var move))
        {
            return ApiProblems.Field("moveId", "is not a UUID");
        }

        return await moves.GetAsync(id, move, ct) is { } found ? TypedResults.Ok(found) : ApiProblems.NotFound($"Tenant '{id}' has no move {move}.");
    }

    /// <summary>202 while the move's job drops the replication; 409 once the move is past the point of cancelling.</summary>
    public static async Task<Results<Accepted<TenantMove>, ProblemHttpResult>> CancelMoveAsync(
        string id, string moveId, TenantAdministration administration, TenantMoveCatalog moves, CancellationToken ct)
    {
        if (!Guid.TryParse(moveId, out var move))
        {
            return ApiProblems.Field("moveId", "is not a UUID");
        }

        if (!await administration.CancelMoveAsync(id, move, Actor, ct))
        {
            throw new AdminConflictException($"Move {move} of tenant '{id}' cannot be cancelled: it is offline, cutting over or finished.");
        }

        return TypedResults.Accepted($"/admin/tenants/{id}/moves/{move}", (await moves.GetAsync(id, move, ct))!);
    }
}
