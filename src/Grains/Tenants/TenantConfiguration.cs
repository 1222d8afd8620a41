using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Everything a tenant activation needs from the catalog, decrypted: the tenant, where its data is, the
/// settings to reach it, and the hashes of its live API keys. Lives only in the activation's memory.
/// </summary>
public sealed record TenantConfiguration(
    TenantRecord Tenant,
    string DatabaseKind,
    ConnectionSettings Connection,
    bool HasOwnSettings,
    IReadOnlySet<string> ApiKeyHashes)
{
    /// <summary>Dedicated databases and tenant-specific settings get a pool of their own; the rest share one per database.</summary>
    public bool OwnsPool => HasOwnSettings || DatabaseKind == DatabaseKinds.Dedicated;

    public override string ToString() => $"TenantConfiguration {{ Tenant = {Tenant.Id}, Database = {Tenant.DatabaseName}, Kind = {DatabaseKind} }}";
}
