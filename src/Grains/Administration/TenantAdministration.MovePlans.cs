using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Abstractions.Moves;

namespace OrleansTenants.Grains.Administration;

public sealed partial class TenantAdministration
{
    /// <summary>
    /// Works out what <see cref="StartMoveAsync"/> would do with this request, and refuses it as that would, without
    /// changing anything: no database is created, no move recorded. The rows are counted on the source now.
    /// </summary>
    public async Task<TenantMovePlan> PlanMoveAsync(string tenantId, MoveTenantRequest request, CancellationToken cancellationToken)
    {
        var tenant = await RequireMovableAsync(tenantId, request, cancellationToken);
        var placement = request.Placement!;
        string mode, database;
        IReadOnlyList<string> blockers;
        var exists = true;
        if (placement.Mode == PlacementModes.Dedicated)
        {
            (mode, database, exists) = (PlacementModes.Dedicated, $"tenant-{tenantId}", false);
            blockers = tenant.HasOwnConnection
                ? [OwnConnectionBlocker]
                : await replications.CheckNewTargetAsync(tenant.DatabaseName, PlannedDedicatedServer(tenantId, placement), cancellationToken);
        }
        else
        {
            (mode, database) = await ResolveRegisteredPlacementAsync(tenantId, placement, cancellationToken);
            RequireOtherDatabase(tenant, database);
            blockers = await OnlineBlockersAsync(tenant, database, cancellationToken);
        }

        var moveMode = ChooseMoveMode(request.Mode, blockers);
        var rows = await replications.CountRowsAsync(tenant.DatabaseName, tenant.DataTenantId, cancellationToken);
        var total = rows.Sum(t => t.Rows);
        var (seconds, basis) = await moves.EstimateAsync(moveMode, total, cancellationToken);
        return new TenantMovePlan(tenant.Id, tenant.PlacementMode, tenant.DatabaseName, mode, database, exists, moveMode, blockers, rows, total, seconds, basis);
    }

    /// <summary>The server a dedicated database would be set up on, checked as <see cref="CreateDedicatedDatabaseAsync"/> checks it.</summary>
    private string PlannedDedicatedServer(string tenantId, TenantPlacementRequest placement)
    {
        RequireDedicatedNameFits(tenantId, placement);
        return placement.CreateDatabase == true
            ? AdminConnectionString
            : AdminValidation.ValidSettings(placement.ConnectionString, placement.Replicas, "placement.connectionString").ConnectionString;
    }
}
