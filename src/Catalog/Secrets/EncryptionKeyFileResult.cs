namespace OrleansTenants.Catalog.Secrets;

/// <summary>The keys read from (or just written to) the embedded default's key file.</summary>
/// <param name="Options">The keys, ready to use as <see cref="EncryptionOptions"/>.</param>
/// <param name="Created">True if this call generated the key, so the caller can log that it did.</param>
public sealed record EncryptionKeyFileResult(EncryptionOptions Options, bool Created);
