using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTenants.Grains.Tenants;

/// <summary>Source-generated metadata for what tenant grain calls carry between silos.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TenantResult))]
[JsonSerializable(typeof(TenantHealth))]
[JsonSerializable(typeof(Moves.TenantMove))]
[JsonSerializable(typeof(Dictionary<string, string?>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(byte[]))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(string))]
public sealed partial class TenantGrainsJsonContext : JsonSerializerContext;
