using System.Data;
using Npgsql;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Secrets;

namespace OrleansTenants.Catalog.Store;

/// <summary>The physical tenant databases known to the catalog, with their encrypted connection settings.</summary>
public sealed class DatabaseCatalog(CatalogDatabase catalog, SecretProtector protector)
{
    public async Task RegisterAsync(DatabaseRegistration registration, string actor, CancellationToken cancellationToken)
    {
        var scope = SecretScope.ForDatabase(registration.Name);
        var connection = protector.Protect(registration.Connection.ToJson(), scope);
        var migration = registration.MigrationConnectionString is null ? null : protector.Protect(registration.MigrationConnectionString, scope);

        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO catalog.databases (name, kind, connection_secret, connection_key_id, migration_secret, migration_key_id)
            VALUES (@name, @kind, @connection, @keyId, @migration, @migrationKeyId)
            """,
            db))
        {
            command.Parameters.AddWithValue("name", registration.Name);
            command.Parameters.AddWithValue("kind", registration.Kind);
            command.Parameters.AddWithValue("connection", connection);
            command.Parameters.AddWithValue("keyId", protector.GetKeyId(connection));
            command.Parameters.AddWithValue("migration", (object?)migration ?? DBNull.Value);
            command.Parameters.AddWithValue("migrationKeyId", migration is null ? DBNull.Value : protector.GetKeyId(migration));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await AuditLog.WriteAsync(
            db,
            actor,
            "database.register",
            $"database:{registration.Name}",
            new Dictionary<string, object?> { ["kind"] = registration.Kind, ["replicas"] = registration.Connection.Replicas.Count },
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Takes back a registration that its request could not complete (its migrations or its tenant failed), as
    /// long as no tenant uses the database; audited like the registration was.
    /// </summary>
    public async Task UnregisterUnusedAsync(string name, string actor, string reason)
    {
        await using var db = await catalog.OpenConnectionAsync(CancellationToken.None);
        await using var transaction = await db.BeginTransactionAsync(CancellationToken.None);
        await using (var command = new NpgsqlCommand(
            "DELETE FROM catalog.databases d WHERE d.name = @name AND NOT EXISTS (SELECT FROM catalog.tenants t WHERE t.database_name = d.name)", db))
        {
            command.Parameters.AddWithValue("name", name);
            if (await command.ExecuteNonQueryAsync(CancellationToken.None) == 0)
            {
                return;
            }
        }

        await AuditLog.WriteAsync(
            db, actor, "database.unregister", $"database:{name}", new Dictionary<string, object?> { ["reason"] = reason }, CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>Makes registered shared databases the shards of a new set, in the order given.</summary>
    public async Task CreateShardSetAsync(string name, IReadOnlyList<string> databaseNames, string actor, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("INSERT INTO catalog.shard_sets (name) VALUES (@name)", db))
        {
            command.Parameters.AddWithValue("name", name);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        for (var index = 0; index < databaseNames.Count; index++)
        {
            await using var assign = new NpgsqlCommand(
                "UPDATE catalog.databases SET kind = @shard, shard_set = @set, shard_index = @index, updated_at = now() WHERE name = @name AND kind = @shared", db);
            assign.Parameters.AddWithValue("shard", DatabaseKinds.Shard);
            assign.Parameters.AddWithValue("shared", DatabaseKinds.Shared);
            assign.Parameters.AddWithValue("set", name);
            assign.Parameters.AddWithValue("index", index);
            assign.Parameters.AddWithValue("name", databaseNames[index]);
            if (await assign.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                throw new KeyNotFoundException($"Database '{databaseNames[index]}' is not a registered shared database.");
            }
        }

        await AuditLog.WriteAsync(
            db, actor, "shard-set.create", $"shard-set:{name}", new Dictionary<string, object?> { ["databases"] = databaseNames }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DatabaseRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT name, kind, shard_set, shard_index, created_at FROM catalog.databases ORDER BY name", db);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var databases = new List<DatabaseRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            databases.Add(new DatabaseRecord(
                reader.GetString("name"),
                reader.GetString("kind"),
                reader.IsDBNull("shard_set") ? null : reader.GetString("shard_set"),
                reader.IsDBNull("shard_index") ? null : reader.GetInt32("shard_index"),
                reader.GetFieldValue<DateTimeOffset>("created_at")));
        }

        return databases;
    }

    public async Task<ConnectionSettings> GetConnectionAsync(string name, CancellationToken cancellationToken)
    {
        var (connection, _) = await ReadSecretsAsync(name, cancellationToken);
        return ConnectionSettings.FromJson(protector.Unprotect(connection, SecretScope.ForDatabase(name)));
    }

    /// <summary>The connection string tenant migrations run as: the owner role when one was registered.</summary>
    public async Task<string> GetMigrationConnectionStringAsync(string name, CancellationToken cancellationToken)
    {
        var (connection, migration) = await ReadSecretsAsync(name, cancellationToken);
        var scope = SecretScope.ForDatabase(name);
        return migration is null
            ? ConnectionSettings.FromJson(protector.Unprotect(connection, scope)).ConnectionString
            : protector.Unprotect(migration, scope);
    }

    private async Task<(string Connection, string? Migration)> ReadSecretsAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT connection_secret, migration_secret FROM catalog.databases WHERE name = @name", db);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new KeyNotFoundException($"Database '{name}' is not registered in the catalog.");
        }

        return (reader.GetString("connection_secret"), reader.IsDBNull("migration_secret") ? null : reader.GetString("migration_secret"));
    }
}
