using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.Silo.Cluster;
using OrleansTenants.Silo.Embedded;

namespace OrleansTenants.Silo;

/// <summary>
/// What a silo does before it joins the cluster: apply pending catalog migrations and the cluster's (Orleans' tables
/// and queries, which its providers need before they start), set up single mode's database, seed the demo in the
/// embedded default, then bring every tenant database the catalog knows to the latest tenant schema. The cluster's
/// database is the one its membership provider was given.
/// </summary>
public sealed partial class CatalogStartup(
    SchemaMigrator migrator,
    MigrationRunner runner,
    IOptions<AdoNetClusteringSiloOptions> clustering,
    SingleModeDatabase singleMode,
    DemoSeeder demo,
    ILogger<CatalogStartup> logger)
{
    /// <returns>The demo banner to show once the silo listens, in the embedded default.</returns>
    public async Task<DemoBanner?> RunAsync(EmbeddedCatalog? embedded, CancellationToken cancellationToken)
    {
        var applied = await migrator.ApplyCatalogAsync(cancellationToken);
        LogCatalogSchemaCurrent(logger, applied.Count);

        await using (var cluster = NpgsqlDataSource.Create(clustering.Value.ConnectionString!))
        {
            var clusterApplied = await runner.ApplyAsync(cluster, ClusterSchema.Migrations, cancellationToken);
            LogClusterSchemaCurrent(logger, clusterApplied.Count);
        }

        await singleMode.EnsureAsync(cancellationToken);
        var banner = embedded is null ? null : await demo.EnsureAsync(embedded, cancellationToken);

        var failures = await migrator.ApplyTenantDatabasesAsync(cancellationToken);
        if (failures.Count > 0)
        {
            LogTenantDatabasesNotMigrated(logger, failures.Count);
        }

        return banner;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog schema current ({Applied} migration(s) applied now)")]
    private static partial void LogCatalogSchemaCurrent(ILogger logger, int applied);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster schema current ({Applied} migration(s) applied now)")]
    private static partial void LogClusterSchemaCurrent(ILogger logger, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} tenant database(s) could not be migrated; their tenants stay unavailable until fixed")]
    private static partial void LogTenantDatabasesNotMigrated(ILogger logger, int count);
}
