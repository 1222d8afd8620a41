using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Grains.Schema;

/// <summary>
/// Brings the catalog and every tenant database the catalog knows to the latest schema, and reports
/// which database is at which version.
/// </summary>
public sealed class SchemaMigrator(
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
            catch (Exception ex) when (ex is MigrationException or NpgsqlException)
            {
                logger.LogError("Tenant migrations failed on database {Database}: {Reason}", database.Name, ex.Message);
                failures.Add(new TenantDatabaseMigrationFailure(database.Name, ex.Message));
            }
        }

        return failures;
    }

    public async Task<IReadOnlyList<Migration>> ApplyTenantDatabaseAsync(string databaseName, CancellationToken cancellationToken)
    {
        var connectionString = await databases.GetMigrationConnectionStringAsync(databaseName, cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
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
            catch (NpgsqlException ex)
            {
                tenantStatuses.Add(new TenantDatabaseSchemaStatus(database.Name, null, ex.Message));
            }
        }

        return new SchemaStatusReport(catalogStatus, tenantStatuses);
    }
}

public sealed record TenantDatabaseMigrationFailure(string Database, string Reason);

public sealed record TenantDatabaseSchemaStatus(string Database, MigrationStatus? Status, string? Error);

public sealed record SchemaStatusReport(MigrationStatus Catalog, IReadOnlyList<TenantDatabaseSchemaStatus> TenantDatabases);
