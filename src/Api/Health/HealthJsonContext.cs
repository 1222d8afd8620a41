using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTenants.Api.Health;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
