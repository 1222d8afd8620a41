using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Cli.MoveAll;

/// <summary>Where a run's target placement puts each tenant, worked out as the server does, to tell who is there already.</summary>
internal sealed class MoveAllTarget(TenantPlacementRequest placement, IReadOnlyList<DatabaseRecord> databases)
{
    private readonly List<DatabaseRecord> _shards = [.. databases.Where(d => d.ShardSet is not null && d.ShardSet == placement.ShardSet).OrderBy(d => d.ShardIndex)];

    public TenantPlacementRequest Placement => placement;

    /// <summary>The database the tenant would be moved to; null when the target names nothing that exists.</summary>
    public string? DatabaseFor(string tenantId) => placement.Mode switch
    {
        PlacementModes.Single => SingleModeDatabase.Name,
        PlacementModes.Shared => placement.Database,
        PlacementModes.Dedicated => $"tenant-{tenantId}",
        PlacementModes.Sharded when _shards.Count > 0 => _shards[ShardAssignment.Pick(tenantId, _shards.Count)].Name,
        _ => null,
    };

    public bool Holds(TenantView tenant) => tenant.Placement.Database == DatabaseFor(tenant.Id);

    public override string ToString() => placement.Mode switch
    {
        PlacementModes.Shared => $"shared database {placement.Database}",
        PlacementModes.Sharded => $"shard set {placement.ShardSet} ({_shards.Count} databases)",
        PlacementModes.Dedicated => "a dedicated database each",
        _ => $"{placement.Mode} mode",
    };
}
