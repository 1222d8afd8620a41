namespace OrleansTenants.Abstractions.Catalog;

/// <summary>A tenant's status, as stored in <c>catalog.tenants.status</c> (its CHECK constraint lists them).</summary>
public static class TenantStatuses
{
    public const string Active = "active";
    public const string Suspended = "suspended";

    /// <summary>An offline move is copying it: only the activation moving it may change it.</summary>
    public const string Moving = "moving";
}
