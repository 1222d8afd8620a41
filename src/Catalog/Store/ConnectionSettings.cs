using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTenants.Catalog.Store;

/// <summary>What is encrypted in the catalog: a primary connection string and optional read replicas.</summary>
public sealed record ConnectionSettings(string ConnectionString, IReadOnlyList<string> Replicas)
{
    public string ToJson() => JsonSerializer.Serialize(this, ConnectionSettingsJsonContext.Default.ConnectionSettings);

    public static ConnectionSettings FromJson(string json) =>
        JsonSerializer.Deserialize(json, ConnectionSettingsJsonContext.Default.ConnectionSettings)
        ?? throw new JsonException("Connection settings are empty.");

    // Records print their members; these hold passwords, so nothing of them is printed.
    public override string ToString() => $"ConnectionSettings {{ Replicas = {Replicas.Count} }}";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConnectionSettings))]
internal sealed partial class ConnectionSettingsJsonContext : JsonSerializerContext;
