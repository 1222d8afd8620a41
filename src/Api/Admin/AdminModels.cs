using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Tenants;
using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Api.Admin;

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
