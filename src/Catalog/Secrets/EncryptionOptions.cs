namespace OrleansTenants.Catalog.Secrets;

/// <summary>
/// Master keys for secret encryption, bound from the <c>Encryption</c> configuration section
/// (<c>Encryption__Keys__&lt;id&gt;</c>, <c>Encryption__ActiveKeyId</c>).
/// </summary>
public sealed class EncryptionOptions
{
    public const string SectionName = "Encryption";

    /// <summary>Key id to base64 of exactly 32 bytes (AES-256).</summary>
    public Dictionary<string, string> Keys { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Key used for new encryptions; may be omitted when exactly one key is configured.</summary>
    public string? ActiveKeyId { get; set; }

    /// <summary>The explicit active key id, or the only configured key's id.</summary>
    internal string? EffectiveActiveKeyId =>
        ActiveKeyId ?? (Keys.Count == 1 ? Keys.Keys.Single() : null);
}
