using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Postgres;
using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Catalog.Schema;

/// <summary>
/// Brings the catalog and every tenant database the catalog knows to the latest schema, and reports
/// which database is at which version.
/// </summary>
public sealed partial class SchemaMigrator(
    CatalogDatabase catalog,
    DatabaseCatalog databases,
    MigrationRunner runner,
    ILogger<SchemaMigrator> logger)
{
    public Task<IReadOnlyList<Migration>> ApplyCatalogAsync(CancellationToken cancellationToken) =>
        runner.ApplyAsync(catalog.DataSource, SchemaMigrations.Catalog, cancellationToken);

    /// <summary>Applies the tenant set to every registered database; one that fails is reported and the rest still run.</summary>
    public async Task<IReadOnlyList<TenantDatabaseMigrationFailure>> ApplyTenantDatabasesAsync(CancellationToken cancellationToken)
    {
        var failures = new List<TenantDatabaseMigrationFailure>();
        foreach (var database in await databases.ListAsync(cancellationToken))
        {
            try
            {
                await ApplyTenantDatabaseAsync(database.Name, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One database's failure (unreachable, a setting that no longer decrypts, a bad stored value) must
                // not keep the others, or the silo, from starting; the message names no secret.
                var reason = DescribeFailure(ex);
                LogTenantMigrationsFailed(logger, database.Name, reason);
                failures.Add(new TenantDatabaseMigrationFailure(database.Name, reason));
            }
        }

        return failures;
    }

    public async Task<IReadOnlyList<Migration>> ApplyTenantDatabaseAsync(string databaseName, CancellationToken cancellationToken) =>
        await ApplyTenantSchemaAsync(await databases.GetMigrationConnectionStringAsync(databaseName, cancellationToken), cancellationToken);

    /// <summary>Applies the tenant set to a database not registered yet: a new tenant's, before the catalog names it.</summary>
    public async Task<IReadOnlyList<Migration>> ApplyTenantSchemaAsync(string migrationConnectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(migrationConnectionString);
        return await runner.ApplyAsync(dataSource, SchemaMigrations.Tenant, cancellationToken);
    }

    /// <summary>The catalog's status, then each registered tenant database's, keyed by catalog name.</summary>
    public async Task<SchemaStatusReport> GetStatusAsync(CancellationToken cancellationToken)
    {
        var catalogStatus = await runner.GetStatusAsync(catalog.DataSource, SchemaMigrations.Catalog, cancellationToken);
        var tenantStatuses = new List<TenantDatabaseSchemaStatus>();
        foreach (var database in await databases.ListAsync(cancellationToken))
        {
            try
            {
                var connectionString = await databases.GetMigrationConnectionStringAsync(database.Name, cancellationToken);
                await using var dataSource = NpgsqlDataSource.Create(connectionString);
                var status = await runner.GetStatusAsync(dataSource, SchemaMigrations.Tenant, cancellationToken);
                tenantStatuses.Add(new TenantDatabaseSchemaStatus(database.Name, status, null));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                tenantStatuses.Add(new TenantDatabaseSchemaStatus(database.Name, null, DescribeFailure(ex)));
            }
        }

        return new SchemaStatusReport(catalogStatus, tenantStatuses);
    }

    private static string DescribeFailure(Exception ex) => ex switch
    {
        MigrationException migration => migration.Message,
        NpgsqlException npgsql => DatabaseErrors.Describe(npgsql),
        SecretDecryptionException => "its stored connection settings do not decrypt with the configured keys",
        _ => $"its stored connection settings are not usable ({ex.GetType().Name})",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Tenant migrations failed on database {Database}: {Reason}")]
    private static partial void LogTenantMigrationsFailed(ILogger logger, string database, string reason);
}

public sealed record TenantDatabaseMigrationFailure(string Database, string Reason);

public sealed record TenantDatabaseSchemaStatus(string Database, MigrationStatus? Status, string? Error);

public sealed record SchemaStatusReport(MigrationStatus Catalog, IReadOnlyList<TenantDatabaseSchemaStatus> TenantDatabases);
