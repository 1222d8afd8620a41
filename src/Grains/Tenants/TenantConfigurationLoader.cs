using Npgsql;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Secrets;

namespace OrleansTenants.Grains.Tenants;

/// <summary>Reads a tenant's configuration from the catalog in one round trip and decrypts its settings.</summary>
public sealed class TenantConfigurationLoader(CatalogDatabase catalog, SecretProtector protector)
{
    private const string Sql = $"""
        SELECT {TenantCatalog.SelectColumns},
               t.connection_secret, d.kind, d.connection_secret,
               ARRAY(SELECT encode(k.key_hash, 'hex') FROM catalog.api_keys k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL)
        FROM catalog.tenants t JOIN catalog.databases d ON d.name = t.database_name
        WHERE t.id = @id
        """;

    public async Task<TenantConfiguration?> LoadAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await catalog.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("id", tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var tenant = TenantCatalog.Read(reader);
        var ownSecret = reader.IsDBNull(12) ? null : reader.GetString(12);
        var settings = ownSecret is not null
            ? ConnectionSettings.FromJson(protector.Unprotect(ownSecret, SecretScope.ForTenant(tenant.Id)))
            : ConnectionSettings.FromJson(protector.Unprotect(reader.GetString(14), SecretScope.ForDatabase(tenant.DatabaseName)));
        var keyHashes = reader.GetFieldValue<string[]>(15).ToHashSet(StringComparer.Ordinal);
        return new TenantConfiguration(tenant, reader.GetString(13), settings, ownSecret is not null, keyHashes);
    }
}
