namespace OrleansTenants.Catalog.Secrets;

/// <summary>
/// The record a secret belongs to. It is bound into the ciphertext as associated data, so a
/// value copied onto another tenant's (or database's) row fails to decrypt.
/// </summary>
public sealed record SecretScope
{
    private readonly string _kind;
    private readonly string _id;

    private SecretScope(string kind, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        _kind = kind;
        _id = id;
    }

    public static SecretScope ForTenant(string tenantId) => new("tenant", tenantId);

    public static SecretScope ForDatabase(string databaseName) => new("database", databaseName);

    /// <summary>Scope part of the associated data; the id comes last, so no escaping is needed.</summary>
    internal string AssociatedDataLabel => $"{_kind}\n{_id}";

    public override string ToString() => $"{_kind} '{_id}'";
}
