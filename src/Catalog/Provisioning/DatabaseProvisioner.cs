using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTenants.Catalog.Provisioning;

/// <summary>Connection strings of a database just created: its owner (migrations) and its application role.</summary>
public sealed record ProvisionedDatabase(string Name, string OwnerConnectionString, string AppConnectionString)
{
    public override string ToString() => $"ProvisionedDatabase {{ Name = {Name} }}";
}

/// <summary>
/// Creates a tenant database on a server the admin connection can administer: an owner role that owns it,
/// an application role that owns nothing, lacks BYPASSRLS and is a member of <c>crm_app</c>, and CONNECT
/// for those two only, so one database's credentials cannot open another.
/// </summary>
public sealed partial class DatabaseProvisioner(ILogger<DatabaseProvisioner> logger)
{
    public const string ApplicationGroupRole = "crm_app";

    public async Task<ProvisionedDatabase> CreateAsync(string adminConnectionString, string databaseName, CancellationToken cancellationToken)
    {
        if (!PhysicalName().IsMatch(databaseName))
        {
            throw new ArgumentException(
                $"Database name '{databaseName}' must be 1-48 characters of lower-case letters, digits and '_', starting with a letter.",
                nameof(databaseName));
        }

        var owner = $"{databaseName}_owner";
        var app = $"{databaseName}_app";
        var ownerPassword = NewPassword();
        var appPassword = NewPassword();

        await using var dataSource = NpgsqlDataSource.Create(adminConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, EnsureGroupRoleSql, cancellationToken);

        // Identifiers come from the pattern above and verifiers are base64 and '$:': neither can carry a quote.
        // Role DDL takes no bind parameters, so the statements are composed here. What this call created is
        // dropped again when a later step fails, so a refused or failed request leaves nothing behind.
        var created = new List<string>();
        try
        {
            await ExecuteAsync(connection, $"CREATE ROLE \"{owner}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{ScramVerifier.Create(ownerPassword)}'", cancellationToken);
            created.Add($"DROP ROLE IF EXISTS \"{owner}\"");
            await ExecuteAsync(connection, $"CREATE ROLE \"{app}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{ScramVerifier.Create(appPassword)}' IN ROLE {ApplicationGroupRole}", cancellationToken);
            created.Add($"DROP ROLE IF EXISTS \"{app}\"");
            await ExecuteAsync(connection, $"CREATE DATABASE \"{databaseName}\" OWNER \"{owner}\" ENCODING 'UTF8'", cancellationToken);
            created.Add($"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE)");
            await ExecuteAsync(connection, $"REVOKE CONNECT, TEMPORARY ON DATABASE \"{databaseName}\" FROM PUBLIC", cancellationToken);
            await ExecuteAsync(connection, $"GRANT CONNECT ON DATABASE \"{databaseName}\" TO \"{owner}\", \"{app}\"", cancellationToken);
        }
        catch
        {
            await UndoAsync(connection, created);
            throw;
        }

        LogDatabaseCreated(logger, databaseName, owner, app);

        var server = new NpgsqlConnectionStringBuilder(adminConnectionString);
        return new ProvisionedDatabase(
            databaseName,
            ConnectionStringFor(server, databaseName, owner, ownerPassword),
            ConnectionStringFor(server, databaseName, app, appPassword));
    }

    /// <summary>
    /// The application role for a database that already exists (single mode's, the catalog's own), created or, when an
    /// earlier attempt left it, given a new password. Only that role (and the owner) may connect to the database, so
    /// another database's application credentials cannot open it.
    /// </summary>
    public async Task<string> EnsureApplicationRoleAsync(string adminConnectionString, string databaseName, CancellationToken cancellationToken)
    {
        if (!ExistingName().IsMatch(databaseName))
        {
            throw new ArgumentException($"Database name '{databaseName}' must be 1-58 characters of lower-case letters, digits and '_'.", nameof(databaseName));
        }

        var app = $"{databaseName}_app";
        var password = NewPassword();
        await using var dataSource = NpgsqlDataSource.Create(adminConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, EnsureGroupRoleSql, cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT to_regrole($1) IS NOT NULL", connection))
        {
            exists.Parameters.AddWithValue(app);
            var verb = (bool)(await exists.ExecuteScalarAsync(cancellationToken))! ? "ALTER" : "CREATE";
            await ExecuteAsync(connection, $"{verb} ROLE \"{app}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{ScramVerifier.Create(password)}'", cancellationToken);
        }

        await ExecuteAsync(connection, $"GRANT {ApplicationGroupRole} TO \"{app}\"", cancellationToken);
        await ExecuteAsync(connection, $"REVOKE CONNECT, TEMPORARY ON DATABASE \"{databaseName}\" FROM PUBLIC", cancellationToken);
        await ExecuteAsync(connection, $"GRANT CONNECT ON DATABASE \"{databaseName}\" TO \"{app}\"", cancellationToken);
        return ConnectionStringFor(new NpgsqlConnectionStringBuilder(adminConnectionString), databaseName, app, password);
    }

    /// <summary>Drops a database <see cref="CreateAsync"/> made, and its roles: a tenant creation that failed after provisioning.</summary>
    public async Task DropAsync(string adminConnectionString, string databaseName)
    {
        await using var dataSource = NpgsqlDataSource.Create(adminConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        await UndoAsync(connection, [
            $"DROP ROLE IF EXISTS \"{databaseName}_owner\"",
            $"DROP ROLE IF EXISTS \"{databaseName}_app\"",
            $"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE)",
        ]);
    }

    /// <summary>Runs the undo statements newest first; never cancelled, since what it removes must not stay half made.</summary>
    private async Task UndoAsync(NpgsqlConnection connection, List<string> statements)
    {
        for (var i = statements.Count - 1; i >= 0; i--)
        {
            try
            {
                await ExecuteAsync(connection, statements[i], CancellationToken.None);
            }
            catch (NpgsqlException ex)
            {
                LogUndoFailed(statements[i], ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cleanup after a failed provisioning step failed: {Statement}: {Reason}")]
    private partial void LogUndoFailed(string statement, string reason);

    // Roles are cluster-wide: two databases provisioned at once may both try to create the group.
    private const string EnsureGroupRoleSql = $"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ApplicationGroupRole}') THEN
                CREATE ROLE {ApplicationGroupRole} NOLOGIN NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END
        $$
        """;

    private static string ConnectionStringFor(NpgsqlConnectionStringBuilder server, string database, string username, string password) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = server.Host,
            Port = server.Port,
            Database = database,
            Username = username,
            Password = password,
        }.ConnectionString;

    private static string NewPassword() => RandomNumberGenerator.GetHexString(40, lowercase: true);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,47}$")]
    private static partial Regex PhysicalName();

    // Leaves room for the "_app" suffix within PostgreSQL's 63-byte identifiers.
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,57}$")]
    private static partial Regex ExistingName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database} with roles {Owner} and {App}")]
    private static partial void LogDatabaseCreated(ILogger logger, string database, string owner, string app);
}
