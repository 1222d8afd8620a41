using Npgsql;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Grains.Administration;

/// <summary>Where a tenant goes: the database a placement request means, and the dedicated database made for it.</summary>
public sealed partial class TenantAdministration
{
    private const int MaxPhysicalNameLength = 48;
    private const int MaxCatalogNameLength = 63;

    /// <summary>Which database a placement request means: (mode, catalog name, physical name when this call created it).</summary>
    private async Task<(string Mode, string Database, string? Provisioned)> ResolvePlacementAsync(
        string tenantId, TenantPlacementRequest placement, string actor, CancellationToken cancellationToken)
    {
        if (placement.Mode != PlacementModes.Dedicated)
        {
            var (mode, existing) = await ResolveRegisteredPlacementAsync(tenantId, placement, cancellationToken);
            return (mode, existing, null);
        }

        var (database, provisioned) = await CreateDedicatedDatabaseAsync(tenantId, placement, actor, cancellationToken);
        return (PlacementModes.Dedicated, database, provisioned);
    }

    /// <summary>Which registered database a single, shared or sharded placement means: (mode, catalog name).</summary>
    private async Task<(string Mode, string Database)> ResolveRegisteredPlacementAsync(
        string tenantId, TenantPlacementRequest placement, CancellationToken cancellationToken) =>
        placement.Mode switch
        {
            PlacementModes.Single => (PlacementModes.Single, await RequireSingleModeDatabaseAsync(cancellationToken)),
            PlacementModes.Shared => (PlacementModes.Shared, await RequireDatabaseAsync(placement.Database, DatabaseKinds.Shared, "placement.database", cancellationToken)),
            PlacementModes.Sharded => (PlacementModes.Sharded, await PickShardAsync(tenantId, placement.ShardSet, cancellationToken)),
            _ => throw new AdminRequestException("placement.mode", "must be one of single, dedicated, shared, sharded"),
        };

    /// <summary>Takes back a dedicated database registered (and perhaps provisioned) for a request that then failed.</summary>
    private async Task UndoDedicatedDatabaseAsync(string database, string? provisioned, string actor, string reason)
    {
        await databases.UnregisterUnusedAsync(database, actor, reason);
        if (provisioned is not null)
        {
            await provisioner.DropAsync(AdminConnectionString, provisioned);
        }
    }

    /// <summary>
    /// Provisions (or checks) the tenant's own database, brings its schema up, then registers it; returns its catalog
    /// name and, when this call created it, its physical name. A failed step takes back what the earlier ones made.
    /// </summary>
    private async Task<(string Name, string? Provisioned)> CreateDedicatedDatabaseAsync(
        string tenantId, TenantPlacementRequest placement, string actor, CancellationToken cancellationToken)
    {
        var name = RequireDedicatedNameFits(tenantId, placement);
        if (placement.CreateDatabase == true)
        {
            var physical = "tenant_" + tenantId.Replace('-', '_');
            var provisioned = await provisioner.CreateAsync(AdminConnectionString, physical, cancellationToken);
            try
            {
                await ApplyTenantSchemaAsync(provisioned.OwnerConnectionString, "placement.createDatabase", cancellationToken);
                await databases.RegisterAsync(
                    new DatabaseRegistration(name, DatabaseKinds.Dedicated, new ConnectionSettings(provisioned.AppConnectionString, []), provisioned.OwnerConnectionString),
                    actor,
                    cancellationToken);
            }
            catch
            {
                await provisioner.DropAsync(AdminConnectionString, physical);
                throw;
            }

            return (name, physical);
        }

        var settings = AdminValidation.ValidSettings(placement.ConnectionString, placement.Replicas, "placement.connectionString");
        var migration = placement.MigrationConnectionString is null
            ? null
            : AdminValidation.RequireConnectionString(placement.MigrationConnectionString, "placement.migrationConnectionString");
        await RequireReachableAsync(settings.ConnectionString, "placement.connectionString", cancellationToken);
        await ApplyTenantSchemaAsync(migration ?? settings.ConnectionString, migration is null ? "placement.connectionString" : "placement.migrationConnectionString", cancellationToken);
        await databases.RegisterAsync(new DatabaseRegistration(name, DatabaseKinds.Dedicated, settings, migration), actor, cancellationToken);
        return (name, null);
    }

    /// <summary>
    /// The catalog name of the tenant's dedicated database, <c>tenant-&lt;id&gt;</c>, refused when it (or, when the platform
    /// creates the database, its physical name <c>tenant_&lt;id&gt;</c>) would be too long.
    /// </summary>
    private static string RequireDedicatedNameFits(string tenantId, TenantPlacementRequest placement)
    {
        if (placement.CreateDatabase == true && ("tenant_" + tenantId).Length > MaxPhysicalNameLength)
        {
            throw new AdminRequestException("id", $"at most {MaxPhysicalNameLength - "tenant_".Length} characters with createDatabase: its database is named tenant_<id>");
        }

        var name = $"tenant-{tenantId}";
        return name.Length > MaxCatalogNameLength
            ? throw new AdminRequestException("id", $"at most {MaxCatalogNameLength - "tenant-".Length} characters for a dedicated tenant: its database is registered as tenant-<id>")
            : name;
    }

    private string AdminConnectionString => catalogOptions.Value.ConnectionString;

    private async Task ApplyTenantSchemaAsync(string migrationConnectionString, string field, CancellationToken cancellationToken)
    {
        try
        {
            await migrator.ApplyTenantSchemaAsync(migrationConnectionString, cancellationToken);
        }
        catch (Exception ex) when (ex is MigrationException or PostgresException)
        {
            throw new AdminRequestException(field, $"the tenant schema cannot be applied with these credentials ({(ex is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : ex.Message)})");
        }
    }

    private async Task<string> PickShardAsync(string tenantId, string? shardSet, CancellationToken cancellationToken)
    {
        var shards = (await databases.ListAsync(cancellationToken))
            .Where(d => d.ShardSet is not null && d.ShardSet == shardSet)
            .OrderBy(d => d.ShardIndex)
            .ToList();
        if (shards.Count == 0)
        {
            throw new AdminRequestException("placement.shardSet", $"no shard set named '{shardSet}' with databases");
        }

        return shards[ShardAssignment.Pick(tenantId, shards.Count)].Name;
    }

    private async Task<string> RequireSingleModeDatabaseAsync(CancellationToken cancellationToken) =>
        (await databases.ListAsync(cancellationToken)).Any(d => d.Name == SingleModeDatabase.Name && d.Kind == DatabaseKinds.Single)
            ? SingleModeDatabase.Name
            : throw new AdminRequestException("placement.mode", "single mode is not set up: the silos set up database 'main' at start "
                + "when the catalog's role has CREATEROLE and owns the catalog database (their log says what was missing); "
                + "or register one with POST /admin/databases {\"name\": \"main\", ...}");

    private async Task<string> RequireDatabaseAsync(string? name, string kind, string field, CancellationToken cancellationToken)
    {
        var database = (await databases.ListAsync(cancellationToken)).FirstOrDefault(d => d.Name == name);
        return database is not null && database.Kind == kind
            ? database.Name
            : throw new AdminRequestException(field, $"no registered {kind} database named '{name}'");
    }
}
