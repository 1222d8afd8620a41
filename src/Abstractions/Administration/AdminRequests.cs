namespace OrleansTenants.Abstractions.Administration;

/// <summary>Body of <c>POST /admin/databases</c>.</summary>
public sealed record RegisterDatabaseRequest(string? Name, string? ConnectionString, IReadOnlyList<string>? Replicas, string? MigrationConnectionString)
{
    public override string ToString() => $"RegisterDatabaseRequest {{ Name = {Name} }}";
}

/// <summary>Body of <c>POST /admin/shard-sets</c>.</summary>
public sealed record CreateShardSetRequest(string? Name, IReadOnlyList<string>? Databases);

/// <summary>Body of <c>POST /admin/tenants</c>.</summary>
public sealed record CreateTenantRequest(string? Id, string? Name, string? Industry, TenantPlacementRequest? Placement);

/// <summary>
/// <c>{"mode": "single"}</c>, <c>{"mode": "dedicated", "connectionString": ...}</c>, <c>{"mode": "dedicated", "createDatabase": true}</c>,
/// <c>{"mode": "shared", "database": name}</c> or <c>{"mode": "sharded", "shardSet": name}</c>.
/// </summary>
public sealed record TenantPlacementRequest(string? Mode, string? ConnectionString, IReadOnlyList<string>? Replicas, bool? CreateDatabase, string? Database, string? ShardSet)
{
    /// <summary>
    /// dedicated with a connection string: the role that owns the CRM tables and runs the tenant migrations, so the
    /// application role (<see cref="ConnectionString"/>) owns nothing; without it the migrations run as that role.
    /// </summary>
    public string? MigrationConnectionString { get; init; }

    public override string ToString() => $"TenantPlacementRequest {{ Mode = {Mode}, Database = {Database}, ShardSet = {ShardSet} }}";
}

/// <summary>Body of <c>POST /admin/tenants/{id}/moves</c>: where the tenant goes, in the placement shapes of tenant creation.</summary>
public sealed record MoveTenantRequest(TenantPlacementRequest? Placement, string? Mode = null);

/// <summary>Body of <c>PUT /admin/tenants/{id}/connection</c>.</summary>
public sealed record ReplaceConnectionRequest(string? ConnectionString, IReadOnlyList<string>? Replicas)
{
    public override string ToString() => "ReplaceConnectionRequest";
}

/// <summary>Body of <c>POST /admin/tenants/{id}/api-keys</c> (optional).</summary>
public sealed record IssueApiKeyRequest(string? Name);
