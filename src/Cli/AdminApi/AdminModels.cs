using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Cli.AdminApi;

// The admin API's requests and answers are the Abstractions records the API binds and writes (AdminRequests.cs, AdminViews.cs):
// the CLI speaks exactly the shapes the server does, and reads them tolerantly (a field added later is ignored).

/// <summary>An RFC 9457 problem as the API writes it: title, detail and, for 400s, field errors.</summary>
internal sealed record ProblemInfo(string? Type, string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(RegisterDatabaseRequest))]
[JsonSerializable(typeof(CreateShardSetRequest))]
[JsonSerializable(typeof(ReplaceConnectionRequest))]
[JsonSerializable(typeof(MoveTenantRequest))]
[JsonSerializable(typeof(TenantMove))]
[JsonSerializable(typeof(TenantMovePlan))]
[JsonSerializable(typeof(List<TenantMove>))]
[JsonSerializable(typeof(IssueApiKeyRequest))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(List<TenantView>))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(DeactivationView))]
[JsonSerializable(typeof(ShardSetView))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(DatabaseRecord))]
[JsonSerializable(typeof(List<DatabaseRecord>))]
[JsonSerializable(typeof(TenantHealth))]
[JsonSerializable(typeof(SchemaStatusReport))]
[JsonSerializable(typeof(KeyRotationResult))]
[JsonSerializable(typeof(ProblemInfo))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
