using System.Data;
using Npgsql;
using OrleansTenants.Catalog.Secrets;

namespace OrleansTenants.Catalog.Store;

/// <summary>Tenants in the catalog. Reads return no secrets; the tenant's own settings decrypt only for its grain.</summary>
public sealed class TenantCatalog(CatalogDatabase catalog, SecretProtector protector)
{
    public const string SelectColumns = """
        t.id, t.name, t.industry, t.status, t.placement_mode, t.database_name, t.connection_secret IS NOT NULL AS has_own_connection,
        t.max_pool_size, t.max_concurrency, coalesce(t.data_tenant_id, t.id) AS data_tenant_id, t.created_at, t.updated_at
        """;

    public async Task<TenantRecord> CreateAsync(TenantRegistration registration, string actor, CancellationToken cancellationToken)
    {
        var secret = registration.Connection is null
            ? null
            : protector.Protect(registration.Connection.ToJson(), SecretScope.ForTenant(registration.Id));

        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        TenantRecord tenant;
        await using (var command = new NpgsqlCommand(
            $"""
            INSERT INTO catalog.tenants AS t (id, name, industry, placement_mode, database_name, connection_secret, connection_key_id)
            VALUES (@id, @name, @industry, @mode, @database, @secret, @keyId)
            RETURNING {SelectColumns}
            """,
            db))
        {
            command.Parameters.AddWithValue("id", registration.Id);
            command.Parameters.AddWithValue("name", registration.Name);
            command.Parameters.AddWithValue("industry", (object?)registration.Industry ?? DBNull.Value);
            command.Parameters.AddWithValue("mode", registration.PlacementMode);
            command.Parameters.AddWithValue("database", registration.DatabaseName);
            command.Parameters.AddWithValue("secret", (object?)secret ?? DBNull.Value);
            command.Parameters.AddWithValue("keyId", secret is null ? DBNull.Value : protector.GetKeyId(secret));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            tenant = Read(reader);
        }

        await AuditLog.WriteAsync(
            db,
            actor,
            "tenant.create",
            $"tenant:{registration.Id}",
            new Dictionary<string, object?> { ["placementMode"] = registration.PlacementMode, ["database"] = registration.DatabaseName },
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return tenant;
    }

    /// <summary>Audits an admin action on a tenant that changes no catalog row (a deactivation).</summary>
    public async Task AuditAsync(string actor, string action, string tenantId, IReadOnlyDictionary<string, object?> details, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await AuditLog.WriteAsync(db, actor, action, $"tenant:{tenantId}", details, cancellationToken);
    }

    /// <summary>Replaces the tenant's own connection settings; the caller then deactivates its grain so no silo keeps the old ones.</summary>
    public async Task<bool> ReplaceConnectionAsync(string id, ConnectionSettings settings, string actor, CancellationToken cancellationToken)
    {
        var secret = protector.Protect(settings.ToJson(), SecretScope.ForTenant(id));
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            "UPDATE catalog.tenants SET connection_secret = @secret, connection_key_id = @keyId, updated_at = now() WHERE id = @id", db))
        {
            command.Parameters.AddWithValue("secret", secret);
            command.Parameters.AddWithValue("keyId", protector.GetKeyId(secret));
            command.Parameters.AddWithValue("id", id);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await AuditLog.WriteAsync(
            db, actor, "tenant.connection.replace", $"tenant:{id}", new Dictionary<string, object?> { ["replicas"] = settings.Replicas.Count }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<TenantRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {SelectColumns} FROM catalog.tenants t WHERE t.id = @id", db);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<TenantRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {SelectColumns} FROM catalog.tenants t ORDER BY t.id", db);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tenants = new List<TenantRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(Read(reader));
        }

        return tenants;
    }

    /// <summary>Reads a tenant from the columns of <c>SelectColumns</c>, by name.</summary>
    public static TenantRecord Read(NpgsqlDataReader reader) => new(
        reader.GetString("id"),
        reader.GetString("name"),
        reader.IsDBNull("industry") ? null : reader.GetString("industry"),
        reader.GetString("status"),
        reader.GetString("placement_mode"),
        reader.GetString("database_name"),
        reader.GetBoolean("has_own_connection"),
        reader.GetInt32("max_pool_size"),
        reader.GetInt32("max_concurrency"),
        reader.GetString("data_tenant_id"),
        reader.GetFieldValue<DateTimeOffset>("created_at"),
        reader.GetFieldValue<DateTimeOffset>("updated_at"));
}
