using System.Buffers.Text;
using System.Text;

namespace OrleansTenants.Catalog.Secrets;

/// <summary>
/// The stored text form of a protected secret: <c>v1:&lt;keyId&gt;:&lt;base64url(nonce || ciphertext || tag)&gt;</c>.
/// </summary>
internal readonly record struct SecretEnvelope(string KeyId, byte[] Payload)
{
    public const string Version = "v1";
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const string FormatDescription = "v1:<keyId>:<base64url payload>";

    public ReadOnlySpan<byte> Nonce => Payload.AsSpan(0, NonceSize);

    public ReadOnlySpan<byte> Ciphertext => Payload.AsSpan(NonceSize, Payload.Length - NonceSize - TagSize);

    public ReadOnlySpan<byte> Tag => Payload.AsSpan(Payload.Length - TagSize);

    public override string ToString() => $"{Version}:{KeyId}:{Base64Url.EncodeToString(Payload)}";

    /// <summary>
    /// Binds the format version, key id and scope; none of them can be changed without
    /// failing authentication. Only the last field is free text, so newlines separate safely.
    /// </summary>
    public static byte[] AssociatedData(string keyId, SecretScope scope) =>
        Encoding.UTF8.GetBytes($"{Version}\n{keyId}\n{scope.AssociatedDataLabel}");

    /// <summary>
    /// Parses an envelope. On failure <paramref name="error"/> describes the problem without
    /// echoing the input, which might be a plaintext secret stored by mistake.
    /// </summary>
    public static bool TryParse(string envelope, out SecretEnvelope result, out string error)
    {
        result = default;
        var parts = envelope.Split(':');
        if (parts.Length != 3 || !IsVersionTag(parts[0]))
        {
            error = $"is not in a recognised format (expected {FormatDescription})";
            return false;
        }

        if (parts[0] != Version)
        {
            error = $"uses format version '{parts[0]}', which is not supported (expected {Version})";
            return false;
        }

        var keyId = parts[1];
        if (!EncryptionOptionsValidator.IsValidKeyId(keyId))
        {
            error = "names an invalid key id";
            return false;
        }

        // Validated first: TryDecodeFromChars throws, rather than returning false, on bad characters.
        if (!Base64Url.IsValid(parts[2], out var length) || length < NonceSize + TagSize)
        {
            error = $"has a malformed payload (key '{keyId}')";
            return false;
        }

        result = new SecretEnvelope(keyId, Base64Url.DecodeFromChars(parts[2]));
        error = string.Empty;
        return true;
    }

    private static bool IsVersionTag(string part) =>
        part.Length is >= 2 and <= 4 && part[0] == 'v' && part.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;
}
