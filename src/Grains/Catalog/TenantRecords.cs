namespace OrleansTenants.Grains.Catalog;

/// <summary>Placement modes, as stored in <c>catalog.tenants.placement_mode</c>.</summary>
public static class PlacementModes
{
    public const string Single = "single";
    public const string Dedicated = "dedicated";
    public const string Shared = "shared";
    public const string Sharded = "sharded";
}

/// <summary>A tenant's status, as stored in <c>catalog.tenants.status</c> (its CHECK constraint lists them).</summary>
public static class TenantStatuses
{
    public const string Active = "active";
    public const string Suspended = "suspended";

    /// <summary>An offline move is copying it: only the activation moving it may change it.</summary>
    public const string Moving = "moving";
}

/// <summary>A tenant to create. <paramref name="Connection"/> overrides the database's settings for this tenant only.</summary>
public sealed record TenantRegistration(
    string Id,
    string Name,
    string? Industry,
    string PlacementMode,
    string DatabaseName,
    ConnectionSettings? Connection = null)
{
    public override string ToString() => $"TenantRegistration {{ Id = {Id}, PlacementMode = {PlacementMode}, DatabaseName = {DatabaseName} }}";
}

/// <summary>A tenant as stored, without its secrets.</summary>
public sealed record TenantRecord(
    string Id,
    string Name,
    string? Industry,
    string Status,
    string PlacementMode,
    string DatabaseName,
    bool HasOwnConnection,
    int MaxPoolSize,
    int MaxConcurrency,
    string DataTenantId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
