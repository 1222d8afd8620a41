using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Grains.Administration;

public sealed partial class TenantAdministration
{
    /// <summary>
    /// Starts moving an active tenant to another database (any placement of tenant creation): the move is recorded in
    /// the catalog and handed to its job grain, which has the tenant's grain run it. A dedicated target is provisioned
    /// (or checked and migrated) here, before the move is recorded.
    /// </summary>
    public async Task<TenantMove> StartMoveAsync(string tenantId, MoveTenantRequest request, string actor, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(tenantId, cancellationToken) ?? throw new KeyNotFoundException($"There is no tenant '{tenantId}'.");
        var placement = request.Placement ?? throw new AdminRequestException("placement", "is required");
        if (tenant.Status != "active")
        {
            throw new AdminConflictException($"Tenant '{tenantId}' is {tenant.Status}; only an active tenant can be moved.");
        }

        if ((await moves.ListAsync(tenantId, cancellationToken)).Any(m => m.Status is "pending" or "running"))
        {
            throw new AdminConflictException($"Tenant '{tenantId}' has a move that has not finished yet.");
        }

        if (placement.Mode == PlacementModes.Dedicated && tenant.DatabaseName == $"tenant-{tenantId}")
        {
            throw new AdminConflictException($"Tenant '{tenantId}' has its dedicated database already.");
        }

        var (mode, database, provisioned) = await ResolvePlacementAsync(tenantId, placement, actor, cancellationToken);
        if (database == tenant.DatabaseName)
        {
            throw new AdminConflictException($"Tenant '{tenantId}' lives in database '{database}' already.");
        }

        TenantMove move;
        try
        {
            move = await moves.CreateAsync(tenant, mode, database, actor, cancellationToken);
        }
        catch when (mode == PlacementModes.Dedicated)
        {
            await UndoDedicatedDatabaseAsync(database, provisioned, actor, "tenant move could not start");
            throw;
        }

        try
        {
            await grains.GetGrain<ITenantMoveGrain>(move.Id).StartAsync(tenantId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // No job, so nothing would ever run it: the move is failed at once rather than left pending.
            await moves.FailAsync(move, $"its job could not be started ({ex.GetType().Name})", CancellationToken.None);
            throw;
        }

        return move;
    }
}
