using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OrleansTenants.Catalog.Secrets;

/// <summary>
/// Checks <see cref="EncryptionOptions"/>. Errors name the offending key id but never the key
/// material, because validation messages end up in startup logs.
/// </summary>
public sealed partial class EncryptionOptionsValidator : IValidateOptions<EncryptionOptions>
{
    public const int KeySizeBytes = 32;

    public ValidateOptionsResult Validate(string? name, EncryptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = GetErrors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static bool IsValidKeyId(string keyId) => KeyIdPattern().IsMatch(keyId);

    internal static IReadOnlyList<string> GetErrors(EncryptionOptions options)
    {
        var errors = new List<string>();
        if (options.Keys.Count == 0)
        {
            errors.Add("No encryption keys are configured: set Encryption:Keys:<id> to the base64 of 32 random bytes.");
            return errors;
        }

        foreach (var (keyId, value) in options.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (!IsValidKeyId(keyId))
            {
                errors.Add($"Encryption key id '{keyId}' is invalid: key ids must match ^[A-Za-z0-9_-]{{1,32}}$.");
            }

            var error = CheckKeyMaterial(value);
            if (error is not null)
            {
                errors.Add($"Encryption key '{keyId}' {error}.");
            }
        }

        var activeKeyId = options.EffectiveActiveKeyId;
        var configured = string.Join(", ", options.Keys.Keys.Order(StringComparer.Ordinal));
        if (activeKeyId is null)
        {
            errors.Add($"Encryption:ActiveKeyId is required when several keys are configured (configured: {configured}).");
        }
        else if (!options.Keys.ContainsKey(activeKeyId))
        {
            errors.Add($"Encryption:ActiveKeyId '{activeKeyId}' does not name a configured key (configured: {configured}).");
        }

        return errors;
    }

    /// <summary>Decodes a key that has already passed validation.</summary>
    internal static byte[] DecodeKey(string value) => Convert.FromBase64String(value);

    private static string? CheckKeyMaterial(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is empty";
        }

        // Decode into a buffer large enough for any length so a wrong size is reported as such.
        var buffer = new byte[value.Length];
        try
        {
            if (!Convert.TryFromBase64String(value, buffer, out var length))
            {
                return "is not valid base64";
            }

            return length == KeySizeBytes
                ? null
                : $"must decode to exactly {KeySizeBytes} bytes (AES-256) but decodes to {length} bytes";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();
}
