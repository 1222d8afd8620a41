using System.Buffers;
using System.Text.Json;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Invocation;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>
/// The body of a grain call: <c>{"grain": "type/key", "method": "Name(T1,T2)", "hops": n, "args": [...]}</c>.
/// Arguments are written with their declared parameter types, so both ends agree without type tags.
/// </summary>
internal static class GrainCallRequest
{
    // Reused per thread: the writer would otherwise allocate a 4 KB buffer for every call's small body.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[] Write(GrainSerializer serializer, GrainId grainId, GrainMethod method, object?[] arguments, int hops)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        {
            writer.WriteStartObject();
            writer.WriteString("grain", grainId.ToString());
            writer.WriteString("method", method.Name);
            writer.WriteNumber("hops", hops);
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

    /// <summary>Reads a request; returns an error text (for a 400) when it does not name a known grain and method.</summary>
    public static string? TryRead(
        JsonDocument document,
        GrainTypeRegistry registry,
        GrainSerializer serializer,
        out GrainId grainId,
        out GrainType grainType,
        out GrainMethod method,
        out object?[] arguments,
        out int hops)
    {
        grainId = default;
        grainType = null!;
        method = null!;
        arguments = [];
        var root = document.RootElement;
        hops = root.TryGetProperty("hops", out var hopsElement) ? hopsElement.GetInt32() : 0;
        grainId = GrainId.Parse(root.GetProperty("grain").GetString()!);
        if (!registry.TryGetByName(grainId.Type, out grainType))
        {
            return $"Unknown grain type '{grainId.Type}'.";
        }

        var methodName = root.GetProperty("method").GetString()!;
        if (!grainType.TryGetMethod(methodName, out method))
        {
            return $"Grain type '{grainId.Type}' has no method {methodName}.";
        }

        var args = root.GetProperty("args");
        if (args.GetArrayLength() != method.ArgumentTypes.Count)
        {
            return $"{methodName} takes {method.ArgumentTypes.Count} arguments, got {args.GetArrayLength()}.";
        }

        arguments = new object?[method.ArgumentTypes.Count];
        var index = 0;
        foreach (var element in args.EnumerateArray())
        {
            arguments[index] = serializer.Read(element, method.ArgumentTypes[index]);
            index++;
        }

        return null;
    }
}
