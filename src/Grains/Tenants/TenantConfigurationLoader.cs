using System.Data;
using Npgsql;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Grains.Tenants;

/// <summary>Reads a tenant's configuration from the catalog in one round trip and decrypts its settings.</summary>
public sealed class TenantConfigurationLoader(CatalogDatabase catalog, SecretProtector protector)
{
    private const string Sql = $"""
        SELECT {TenantCatalog.SelectColumns},
               t.connection_secret AS tenant_secret, d.kind AS database_kind, d.connection_secret AS database_secret,
               ARRAY(SELECT encode(k.key_hash, 'hex') FROM catalog.api_keys k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL) AS key_hashes
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
        var ownSecret = reader.IsDBNull("tenant_secret") ? null : reader.GetString("tenant_secret");
        var settings = ownSecret is not null
            ? ConnectionSettings.FromJson(protector.Unprotect(ownSecret, SecretScope.ForTenant(tenant.Id)))
            : ConnectionSettings.FromJson(protector.Unprotect(reader.GetString("database_secret"), SecretScope.ForDatabase(tenant.DatabaseName)));
        var keyHashes = reader.GetFieldValue<string[]>("key_hashes").ToHashSet(StringComparer.Ordinal);
        return new TenantConfiguration(tenant, reader.GetString("database_kind"), settings, ownSecret is not null, keyHashes);
    }
}
