namespace OrleansTenants.Abstractions.Catalog;

/// <summary>Placement modes, as stored in <c>catalog.tenants.placement_mode</c>.</summary>
public static class PlacementModes
{
    public const string Single = "single";
    public const string Dedicated = "dedicated";
    public const string Shared = "shared";
    public const string Sharded = "sharded";
}
