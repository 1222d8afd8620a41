using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Schema;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Cli;

// Answers of the admin API as the CLI reads them. Requests reuse the Grains records the API binds, so the
// CLI speaks exactly the shapes the server expects; answers the server builds in the Api project are mirrored
// here (the CLI does not reference the web project) and read tolerantly: a field added later is ignored.

internal sealed record TenantInfo(
    string Id,
    string Name,
    string? Industry,
    string Status,
    PlacementInfo Placement,
    string? Activation,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record PlacementInfo(string Mode, string Database, bool OwnConnectionSettings, int MaxPoolSize, int MaxConcurrency);

internal sealed record IssuedKeyInfo(Guid Id, string Key)
{
    public override string ToString() => $"IssuedKeyInfo {{ Id = {Id} }}";
}

internal sealed record DeactivationInfo(bool Deactivated);

internal sealed record ShardSetInfo(string Name, IReadOnlyList<string> Databases);

internal sealed record ClusterInfo(IReadOnlyList<SiloInfo> Silos);

internal sealed record SiloInfo(string Address, string? Name, string? Url, string Status, int Activations, DateTimeOffset? StartedAt);

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
[JsonSerializable(typeof(TenantInfo))]
[JsonSerializable(typeof(List<TenantInfo>))]
[JsonSerializable(typeof(IssuedKeyInfo))]
[JsonSerializable(typeof(DeactivationInfo))]
[JsonSerializable(typeof(ShardSetInfo))]
[JsonSerializable(typeof(ClusterInfo))]
[JsonSerializable(typeof(DatabaseRecord))]
[JsonSerializable(typeof(List<DatabaseRecord>))]
[JsonSerializable(typeof(TenantHealth))]
[JsonSerializable(typeof(SchemaStatusReport))]
[JsonSerializable(typeof(KeyRotationResult))]
[JsonSerializable(typeof(ProblemInfo))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
