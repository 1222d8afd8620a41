using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTenants.Grains.Provisioning;

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

        // Identifiers come from the pattern above and passwords are hex: neither can carry a quote.
        // Role DDL takes no bind parameters, so the statements are composed here.
        await ExecuteAsync(connection, $"CREATE ROLE \"{owner}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{ownerPassword}'", cancellationToken);
        await ExecuteAsync(connection, $"CREATE ROLE \"{app}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{appPassword}' IN ROLE {ApplicationGroupRole}", cancellationToken);
        await ExecuteAsync(connection, $"CREATE DATABASE \"{databaseName}\" OWNER \"{owner}\" ENCODING 'UTF8'", cancellationToken);
        await ExecuteAsync(connection, $"REVOKE CONNECT, TEMPORARY ON DATABASE \"{databaseName}\" FROM PUBLIC", cancellationToken);
        await ExecuteAsync(connection, $"GRANT CONNECT ON DATABASE \"{databaseName}\" TO \"{owner}\", \"{app}\"", cancellationToken);
        logger.LogInformation("Created database {Database} with roles {Owner} and {App}", databaseName, owner, app);

        var server = new NpgsqlConnectionStringBuilder(adminConnectionString);
        return new ProvisionedDatabase(
            databaseName,
            ConnectionStringFor(server, databaseName, owner, ownerPassword),
            ConnectionStringFor(server, databaseName, app, appPassword));
    }

    /// <summary>The application role for a database that already exists (the single-database install's catalog).</summary>
    public async Task<string> CreateApplicationRoleAsync(string adminConnectionString, string databaseName, CancellationToken cancellationToken)
    {
        var app = $"{databaseName}_app";
        var password = NewPassword();
        await using var dataSource = NpgsqlDataSource.Create(adminConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, EnsureGroupRoleSql, cancellationToken);
        await ExecuteAsync(connection, $"CREATE ROLE \"{app}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}' IN ROLE {ApplicationGroupRole}", cancellationToken);
        return ConnectionStringFor(new NpgsqlConnectionStringBuilder(adminConnectionString), databaseName, app, password);
    }

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
}
