using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Tenants;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.Grains.Schema;

namespace OrleansTenants.Api.Admin;

/// <summary>A tenant as admins see it: placement, status and where it is active, never a secret.</summary>
public sealed record TenantView(
    string Id,
    string Name,
    string? Industry,
    string Status,
    PlacementView Placement,
    string? Activation,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static TenantView From(TenantRecord tenant, string? activation) => new(
        tenant.Id,
        tenant.Name,
        tenant.Industry,
        tenant.Status,
        new PlacementView(tenant.PlacementMode, tenant.DatabaseName, tenant.HasOwnConnection, tenant.MaxPoolSize, tenant.MaxConcurrency),
        activation,
        tenant.CreatedAt,
        tenant.UpdatedAt);
}

public sealed record PlacementView(string Mode, string Database, bool OwnConnectionSettings, int MaxPoolSize, int MaxConcurrency);

public sealed record ApiKeyView(Guid Id, string Key);

public sealed record DeactivationView(bool Deactivated);

public sealed record ShardSetView(string Name, IReadOnlyList<string> Databases);

public sealed record ClusterView(IReadOnlyList<SiloView> Silos);

public sealed record SiloView(string Address, string Name, string? Url, string Status, int Activations, DateTimeOffset StartedAt);

public sealed record MetricsView(RuntimeMetrics Runtime, int SharedDataSources, long TenantsRegistered);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(RegisterDatabaseRequest))]
[JsonSerializable(typeof(CreateShardSetRequest))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(ReplaceConnectionRequest))]
[JsonSerializable(typeof(MoveTenantRequest))]
[JsonSerializable(typeof(TenantMove))]
[JsonSerializable(typeof(TenantMovePlan))]
[JsonSerializable(typeof(IReadOnlyList<TenantMove>))]
[JsonSerializable(typeof(IssueApiKeyRequest))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(List<TenantView>))]
[JsonSerializable(typeof(DatabaseRecord))]
[JsonSerializable(typeof(IReadOnlyList<DatabaseRecord>))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(DeactivationView))]
[JsonSerializable(typeof(ShardSetView))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(TenantHealth))]
[JsonSerializable(typeof(MetricsView))]
[JsonSerializable(typeof(SchemaStatusReport))]
[JsonSerializable(typeof(KeyRotationResult))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
