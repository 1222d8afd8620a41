using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>Serialization settings for grain arguments and results, bound in DI as <c>GrainSerializationOptions</c>.</summary>
public sealed class GrainSerializationOptions
{
    /// <summary>Source-generated contexts for the types grain methods take and return; reflection covers the rest.</summary>
    public IList<IJsonTypeInfoResolver> TypeInfoResolvers { get; } = [];
}

/// <summary>Turns grain arguments and results into JSON and back, using the declared parameter and return types.</summary>
internal sealed class GrainSerializer
{
    public GrainSerializer(IOptions<GrainSerializationOptions> options)
    {
        Options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine([.. options.Value.TypeInfoResolvers, new DefaultJsonTypeInfoResolver()]),
        };
        Options.MakeReadOnly();
    }

    public JsonSerializerOptions Options { get; }

    public void Write(Utf8JsonWriter writer, object? value, Type type) => JsonSerializer.Serialize(writer, value, Options.GetTypeInfo(type));

    public object? Read(JsonElement element, Type type) => element.Deserialize(Options.GetTypeInfo(type));
}
