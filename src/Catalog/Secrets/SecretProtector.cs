using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansTenants.Catalog.Secrets;

/// <summary>
/// Encrypts connection settings with AES-256-GCM under the active master key and decrypts them
/// with whichever configured key the stored envelope names. Thread-safe: keys are read once at
/// construction (changing keys needs a restart) and an <see cref="AesGcm"/> is created per call,
/// because instances are not safe for concurrent use.
/// </summary>
public sealed class SecretProtector
{
    // Strict, so a string that cannot round-trip (an unpaired surrogate) is rejected, not altered.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly FrozenDictionary<string, byte[]> _keys;

    public SecretProtector(IOptions<EncryptionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        var errors = EncryptionOptionsValidator.GetErrors(value);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EncryptionOptions), errors);
        }

        _keys = value.Keys.ToFrozenDictionary(
            k => k.Key, k => EncryptionOptionsValidator.DecodeKey(k.Value), StringComparer.Ordinal);
        ActiveKeyId = value.EffectiveActiveKeyId!;
    }

    public string ActiveKeyId { get; }

    public string Protect(string plaintext, SecretScope scope)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(scope);

        byte[] plainBytes;
        try
        {
            plainBytes = StrictUtf8.GetBytes(plaintext);
        }
        catch (EncoderFallbackException)
        {
            // The fallback exception's message quotes the offending character; leave it out.
            throw new ArgumentException("The value contains an unpaired surrogate and cannot be protected.", nameof(plaintext));
        }

        var payload = new byte[SecretEnvelope.NonceSize + plainBytes.Length + SecretEnvelope.TagSize];
        var nonce = payload.AsSpan(0, SecretEnvelope.NonceSize);
        RandomNumberGenerator.Fill(nonce);

        using var aes = new AesGcm(_keys[ActiveKeyId], SecretEnvelope.TagSize);
        aes.Encrypt(
            nonce,
            plainBytes,
            payload.AsSpan(SecretEnvelope.NonceSize, plainBytes.Length),
            payload.AsSpan(payload.Length - SecretEnvelope.TagSize),
            SecretEnvelope.AssociatedData(ActiveKeyId, scope));
        CryptographicOperations.ZeroMemory(plainBytes);
        return new SecretEnvelope(ActiveKeyId, payload).ToString();
    }

    public string Unprotect(string envelope, SecretScope scope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(scope);

        if (!SecretEnvelope.TryParse(envelope, out var parsed, out var error))
        {
            throw new SecretDecryptionException($"The stored secret for {scope} {error}.");
        }

        if (!_keys.TryGetValue(parsed.KeyId, out var key))
        {
            throw new SecretDecryptionException(
                $"The stored secret for {scope} cannot be decrypted: key '{parsed.KeyId}' is not configured.");
        }

        var plainBytes = new byte[parsed.Ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, SecretEnvelope.TagSize);
            aes.Decrypt(parsed.Nonce, parsed.Ciphertext, parsed.Tag, plainBytes, SecretEnvelope.AssociatedData(parsed.KeyId, scope));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretDecryptionException(
                $"The stored secret for {scope} could not be decrypted with key '{parsed.KeyId}': " +
                "wrong key, tampered value, or a value that belongs to another record.");
        }

        var plaintext = StrictUtf8.GetString(plainBytes);
        CryptographicOperations.ZeroMemory(plainBytes);
        return plaintext;
    }

    /// <summary>The id of the key an envelope was encrypted with.</summary>
    [SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Part of the protector's instance API, beside IsProtectedWithActiveKey.")]
    public string GetKeyId(string envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return SecretEnvelope.TryParse(envelope, out var parsed, out var error)
            ? parsed.KeyId
            : throw new SecretDecryptionException($"The value {error}.");
    }

    /// <summary>
    /// False for a value under another key and for a malformed value, so rotation goes on to
    /// <see cref="Reprotect"/>, whose error names the record.
    /// </summary>
    public bool IsProtectedWithActiveKey(string envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return SecretEnvelope.TryParse(envelope, out var parsed, out _)
            && string.Equals(parsed.KeyId, ActiveKeyId, StringComparison.Ordinal);
    }

    /// <summary>
    /// Decrypts with the envelope's key and encrypts again with the active key (always with a
    /// fresh nonce, even if the key is already the active one), for key rotation.
    /// </summary>
    public string Reprotect(string envelope, SecretScope scope) => Protect(Unprotect(envelope, scope), scope);
}
