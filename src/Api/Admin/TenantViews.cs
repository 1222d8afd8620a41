using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Api.Admin;

/// <summary>How a catalog record becomes the admin contract's view: the record stays below the contract.</summary>
internal static class TenantViews
{
    public static TenantView ToView(this TenantRecord tenant, string? activation) => new(
        tenant.Id,
        tenant.Name,
        tenant.Industry,
        tenant.Status,
        new PlacementView(tenant.PlacementMode, tenant.DatabaseName, tenant.HasOwnConnection, tenant.MaxPoolSize, tenant.MaxConcurrency),
        activation,
        tenant.CreatedAt,
        tenant.UpdatedAt);
}
