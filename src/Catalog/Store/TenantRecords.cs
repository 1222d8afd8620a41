namespace OrleansTenants.Catalog.Store;

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
