using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Api.Health;

namespace OrleansTenants.Api;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
