using System.Buffers;
using System.Text.Json;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Invocation;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>
/// The body of a grain call: <c>{"grain": "type/key", "method": "Name(T1,T2)", "args": [...]}</c>.
/// Arguments are written with their declared parameter types, so both ends agree without type tags.
/// </summary>
internal static class GrainCallRequest
{
    // Reused per thread: the writer would otherwise allocate a 4 KB buffer for every call's small body.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[] Write(GrainSerializer serializer, GrainId grainId, GrainMethod method, object?[] arguments)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        {
            writer.WriteStartObject();
            writer.WriteString("grain", grainId.ToString());
            writer.WriteString("method", method.Name);
            writer.WriteStartArray("args");
            for (var i = 0; i < arguments.Length; i++)
            {
                serializer.Write(writer, arguments[i], method.ArgumentTypes[i]);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a request; returns an error text (for a 400) when it is malformed or does not name a known grain and method.</summary>
    public static string? TryRead(
        JsonDocument document,
        GrainTypeRegistry registry,
        GrainSerializer serializer,
        out GrainId grainId,
        out GrainType grainType,
        out GrainMethod method,
        out object?[] arguments)
    {
        grainId = default;
        grainType = null!;
        method = null!;
        arguments = [];
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("grain", out var grain) || grain.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array)
        {
            return "A grain call is an object with the strings \"grain\" and \"method\" and the array \"args\".";
        }

        if (!GrainId.TryParse(grain.GetString(), out grainId))
        {
            return $"'{grain.GetString()}' is not a grain id (type/key).";
        }

        if (!registry.TryGetByName(grainId.Type, out grainType))
        {
            return $"Unknown grain type '{grainId.Type}'.";
        }

        var methodName = methodElement.GetString()!;
        if (!grainType.TryGetMethod(methodName, out method))
        {
            return $"Grain type '{grainId.Type}' has no method {methodName}.";
        }

        if (args.GetArrayLength() != method.ArgumentTypes.Count)
        {
            return $"{methodName} takes {method.ArgumentTypes.Count} arguments, got {args.GetArrayLength()}.";
        }

        arguments = new object?[method.ArgumentTypes.Count];
        var index = 0;
        foreach (var element in args.EnumerateArray())
        {
            try
            {
                arguments[index] = serializer.Read(element, method.ArgumentTypes[index]);
            }
            catch (JsonException ex)
            {
                return $"Argument {index} of {methodName} is not a {method.ArgumentTypes[index].Name}: {ex.Message}";
            }

            index++;
        }

        return null;
    }
}
