using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Grains.Administration;

public sealed partial class TenantAdministration
{
    private const string OwnConnectionBlocker =
        "the tenant has connection settings of its own, and an online move replicates from its database's registered connection";

    /// <summary>
    /// Starts moving an active tenant to another database (any placement of tenant creation): the move is recorded in
    /// the catalog and handed to its job grain. A dedicated target is provisioned (or checked and migrated) here, before
    /// the move is recorded. Online (by logical replication) unless asked for offline or the servers cannot replicate;
    /// asked for online where they cannot, it is refused with what is missing.
    /// </summary>
    public async Task<TenantMove> StartMoveAsync(string tenantId, MoveTenantRequest request, string actor, CancellationToken cancellationToken)
    {
        var tenant = await RequireMovableAsync(tenantId, request, cancellationToken);
        var (mode, database, provisioned) = await ResolvePlacementAsync(tenantId, request.Placement!, actor, cancellationToken);
        RequireOtherDatabase(tenant, database);

        TenantMove move;
        try
        {
            var moveMode = ChooseMoveMode(request.Mode, await OnlineBlockersAsync(tenant, database, cancellationToken));
            move = await moves.CreateAsync(tenant, mode, database, moveMode, actor, cancellationToken);
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

    /// <summary>Asks a running online move to stop before its cut-over; false when it is past that point or finished.</summary>
    public async Task<bool> CancelMoveAsync(string tenantId, Guid moveId, string actor, CancellationToken cancellationToken)
    {
        var move = await moves.GetAsync(tenantId, moveId, cancellationToken) ?? throw new KeyNotFoundException($"Tenant '{tenantId}' has no move {moveId}.");
        return move.Status == TenantMoveStatuses.Cancelled || await moves.RequestCancelAsync(tenantId, moveId, actor, cancellationToken);
    }

    private async Task<TenantRecord> RequireMovableAsync(string tenantId, MoveTenantRequest request, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(tenantId, cancellationToken) ?? throw new KeyNotFoundException($"There is no tenant '{tenantId}'.");
        var placement = request.Placement ?? throw new AdminRequestException("placement", "is required");
        if (request.Mode is not (null or TenantMoveModes.Online or TenantMoveModes.Offline))
        {
            throw new AdminRequestException("mode", "must be online or offline");
        }

        if (tenant.Status != TenantStatuses.Active)
        {
            throw new AdminConflictException($"Tenant '{tenantId}' is {tenant.Status}; only an active tenant can be moved.");
        }

        if ((await moves.ListAsync(tenantId, cancellationToken)).Any(m => TenantMoveStatuses.IsOpen(m.Status)))
        {
            throw new AdminConflictException($"Tenant '{tenantId}' has a move that has not finished yet.");
        }

        if (placement.Mode == PlacementModes.Dedicated && tenant.DatabaseName == $"tenant-{tenantId}")
        {
            throw new AdminConflictException($"Tenant '{tenantId}' has its dedicated database already.");
        }

        return tenant;
    }

    private static void RequireOtherDatabase(TenantRecord tenant, string database)
    {
        if (database == tenant.DatabaseName)
        {
            throw new AdminConflictException($"Tenant '{tenant.Id}' lives in database '{database}' already.");
        }
    }

    private async Task<IReadOnlyList<string>> OnlineBlockersAsync(TenantRecord tenant, string toDatabase, CancellationToken cancellationToken) =>
        tenant.HasOwnConnection
            ? [OwnConnectionBlocker]
            : await replications.CheckAsync(tenant.DatabaseName, toDatabase, cancellationToken);

    private static string ChooseMoveMode(string? asked, IReadOnlyList<string> blockers) =>
        asked == TenantMoveModes.Offline || (asked is null && blockers.Count > 0)
            ? TenantMoveModes.Offline
            : blockers.Count == 0
                ? TenantMoveModes.Online
                : throw new AdminRequestException("mode", $"an online move cannot run here: {string.Join("; ", blockers)}. Ask for \"mode\": \"offline\" to copy it in one pause instead");
}
