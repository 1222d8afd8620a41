using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace OrleansTenants.Crm;

/// <summary>
/// The position after the last row of a page: that row's sort value and id. Clients see it as an opaque
/// string: base64url (no padding) of a UTF-8 JSON array <c>[1, resource, sort, value, id]</c> followed by the
/// first 8 bytes of its SHA-256. The checksum makes an altered cursor fail instead of silently starting
/// somewhere else; it is not a secret (a client can only ever reach its own tenant's rows anyway). The cursor
/// names its resource and sort, so it cannot be replayed with another sort.
/// </summary>
internal sealed record ListCursor(object? Value, Guid Id)
{
    private const int Version = 1;
    private const int ChecksumLength = 8;
    private const int MaxEncodedLength = 4096;

    public static string Encode(ResourceDefinition resource, string sort, object? value, Guid id)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(Version);
            writer.WriteStringValue(resource.Name);
            writer.WriteStringValue(sort);
            CrmValues.Write(writer, value);
            writer.WriteStringValue(id);
            writer.WriteEndArray();
        }

        var payload = buffer.WrittenSpan;
        var bytes = new byte[payload.Length + ChecksumLength];
        payload.CopyTo(bytes);
        SHA256.HashData(payload)[..ChecksumLength].CopyTo(bytes.AsSpan(payload.Length));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Decodes a cursor issued for this resource and sort; the reason says what is wrong otherwise.</summary>
    public static bool TryDecode(ResourceDefinition resource, string sort, FieldDefinition sortField, string encoded, out ListCursor? cursor, out string? reason)
    {
        cursor = null;
        reason = "is not a valid cursor; use the nextCursor of a previous page";
        if (encoded.Length is 0 or > MaxEncodedLength || !Base64Url.IsValid(encoded.AsSpan()))
        {
            return false;
        }

        var bytes = Base64Url.DecodeFromChars(encoded.AsSpan());
        if (bytes.Length <= ChecksumLength)
        {
            return false;
        }

        var payload = bytes.AsSpan(0, bytes.Length - ChecksumLength);
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(payload).AsSpan(0, ChecksumLength), bytes.AsSpan(payload.Length)))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes.AsMemory(0, payload.Length));
            var array = document.RootElement;
            if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != 5
                || array[0].ValueKind != JsonValueKind.Number || !array[0].TryGetInt32(out var version) || version != Version
                || array[1].ValueKind != JsonValueKind.String || array[2].ValueKind != JsonValueKind.String
                || array[4].ValueKind != JsonValueKind.String || !array[4].TryGetGuid(out var id))
            {
                return false;
            }

            if (array[1].GetString() != resource.Name || array[2].GetString() != sort)
            {
                reason = "was issued for a different resource or sort order; start again without a cursor";
                return false;
            }

            object? value = null;
            if (array[3].ValueKind != JsonValueKind.Null && !CrmValues.TryFromJson(sortField, array[3], out value, out _))
            {
                return false;
            }

            cursor = new ListCursor(value, id);
            reason = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Malformed JSON, or strings that are not Unicode text (the checksum is not a secret: anyone can forge one).
            return false;
        }
    }
}
