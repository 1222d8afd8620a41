using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Abstractions.Tenants;

namespace OrleansTenants.Abstractions.Administration;

/// <summary>
/// The admin contract's JSON, for the API that writes it and the CLI and load tester that read it. Each side makes an
/// instance with its own options: the API refuses unknown members in requests, clients read tolerantly.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegisterDatabaseRequest))]
[JsonSerializable(typeof(CreateShardSetRequest))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(ReplaceConnectionRequest))]
[JsonSerializable(typeof(MoveTenantRequest))]
[JsonSerializable(typeof(IssueApiKeyRequest))]
[JsonSerializable(typeof(TenantMove))]
[JsonSerializable(typeof(TenantMovePlan))]
[JsonSerializable(typeof(IReadOnlyList<TenantMove>))]
[JsonSerializable(typeof(List<TenantMove>))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(List<TenantView>))]
[JsonSerializable(typeof(DatabaseRecord))]
[JsonSerializable(typeof(IReadOnlyList<DatabaseRecord>))]
[JsonSerializable(typeof(List<DatabaseRecord>))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(DeactivationView))]
[JsonSerializable(typeof(ShardSetView))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(TenantHealth))]
[JsonSerializable(typeof(KeyRotationResult))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
