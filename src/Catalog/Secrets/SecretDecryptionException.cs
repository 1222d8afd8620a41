namespace OrleansTenants.Catalog.Secrets;

/// <summary>
/// A stored secret could not be read. Messages name the scope and key id only, never
/// plaintext, key material or ciphertext.
/// </summary>
public sealed class SecretDecryptionException : Exception
{
    public SecretDecryptionException()
    {
    }

    public SecretDecryptionException(string message)
        : base(message)
    {
    }

    public SecretDecryptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
