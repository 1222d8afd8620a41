using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>Paths and headers of the silo's internal HTTP/2 endpoint.</summary>
internal static class GrainCallWire
{
    public const string CallPath = "/grain-calls";
    public const string DeactivatePath = "/grain-deactivations";

    /// <summary>On success: the silo that served the call, for the caller's cache.</summary>
    public const string ServedByHeader = "x-grain-served-by";

    /// <summary>With 421: the silo that owns the grain; the call did not start.</summary>
    public const string OwnerHeader = "x-grain-owner";

    /// <summary>With 503: the silo does not serve calls now; the call did not start.</summary>
    public const string NotServingHeader = "x-silo-not-serving";
}

/// <summary>A grain method's exception, as it crosses the wire.</summary>
internal sealed record GrainCallError(string Type, string Message);

/// <summary>A request to deactivate a grain on the silo that holds it.</summary>
internal sealed record DeactivationRequest(string Grain);

internal sealed record DeactivationResponse(bool Deactivated);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(GrainCallError))]
[JsonSerializable(typeof(DeactivationRequest))]
[JsonSerializable(typeof(DeactivationResponse))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;
