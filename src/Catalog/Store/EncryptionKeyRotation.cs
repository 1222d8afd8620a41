using System.Data;
using Npgsql;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Catalog.Secrets;

namespace OrleansTenants.Catalog.Store;

/// <summary>
/// Re-encrypts every stored secret that is not under the active key, in one transaction with the
/// rows locked, so the catalog is never half rotated and a concurrent writer cannot slip an old value in.
/// </summary>
public sealed class EncryptionKeyRotation(CatalogDatabase catalog, SecretProtector protector)
{
    public async Task<KeyRotationResult> ReencryptAllAsync(string actor, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);

        var databases = 0;
        foreach (var (name, connection, migration) in await ReadDatabasesAsync(db, cancellationToken))
        {
            var scope = SecretScope.ForDatabase(name);
            var newConnection = Reprotect(connection, scope);
            var newMigration = migration is null ? null : Reprotect(migration, scope);
            if (newConnection is null && newMigration is null)
            {
                continue;
            }

            await using var update = new NpgsqlCommand(
                """
                UPDATE catalog.databases
                SET connection_secret = @connection, connection_key_id = @keyId,
                    migration_secret = @migration::text, migration_key_id = CASE WHEN @migration::text IS NULL THEN NULL ELSE @keyId END,
                    updated_at = now()
                WHERE name = @name
                """,
                db);
            update.Parameters.AddWithValue("connection", newConnection ?? connection);
            update.Parameters.AddWithValue("migration", (object?)(newMigration ?? migration) ?? DBNull.Value);
            update.Parameters.AddWithValue("keyId", protector.ActiveKeyId);
            update.Parameters.AddWithValue("name", name);
            await update.ExecuteNonQueryAsync(cancellationToken);
            databases++;
        }

        var tenants = 0;
        foreach (var (id, secret) in await ReadTenantsAsync(db, cancellationToken))
        {
            var reprotected = Reprotect(secret, SecretScope.ForTenant(id));
            if (reprotected is null)
            {
                continue;
            }

            await using var update = new NpgsqlCommand(
                "UPDATE catalog.tenants SET connection_secret = @secret, connection_key_id = @keyId, updated_at = now() WHERE id = @id", db);
            update.Parameters.AddWithValue("secret", reprotected);
            update.Parameters.AddWithValue("keyId", protector.ActiveKeyId);
            update.Parameters.AddWithValue("id", id);
            await update.ExecuteNonQueryAsync(cancellationToken);
            tenants++;
        }

        await AuditLog.WriteAsync(
            db,
            actor,
            "encryption.rotate",
            "catalog",
            new Dictionary<string, object?> { ["activeKeyId"] = protector.ActiveKeyId, ["databases"] = databases, ["tenants"] = tenants },
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new KeyRotationResult(protector.ActiveKeyId, databases, tenants);
    }

    private string? Reprotect(string envelope, SecretScope scope) =>
        protector.IsProtectedWithActiveKey(envelope) ? null : protector.Reprotect(envelope, scope);

    private static async Task<List<(string Name, string Connection, string? Migration)>> ReadDatabasesAsync(NpgsqlConnection db, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT name, connection_secret, migration_secret FROM catalog.databases ORDER BY name FOR UPDATE", db);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(string, string, string?)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString("name"), reader.GetString("connection_secret"), reader.IsDBNull("migration_secret") ? null : reader.GetString("migration_secret")));
        }

        return rows;
    }

    private static async Task<List<(string Id, string Secret)>> ReadTenantsAsync(NpgsqlConnection db, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id, connection_secret FROM catalog.tenants WHERE connection_secret IS NOT NULL ORDER BY id FOR UPDATE", db);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString("id"), reader.GetString("connection_secret")));
        }

        return rows;
    }
}
