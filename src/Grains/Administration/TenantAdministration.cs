using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Npgsql;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Provisioning;
using OrleansTenants.Grains.Schema;
using OrleansTenants.Grains.Tenants;
using OrleansTenants.Runtime;

namespace OrleansTenants.Grains.Administration;

/// <summary>
/// The admin operations behind the admin API and CLI: validate, change the catalog (each change audited), and
/// deactivate the tenant's grain when a change must take effect at once on every silo.
/// </summary>
public sealed partial class TenantAdministration(
    DatabaseCatalog databases,
    TenantCatalog tenants,
    ApiKeyCatalog apiKeys,
    DatabaseProvisioner provisioner,
    SchemaMigrator migrator,
    IClusterManagement cluster,
    IConfiguration configuration)
{
    public const string SingleDatabaseName = "main";

    public async Task<DatabaseRecord> RegisterDatabaseAsync(RegisterDatabaseRequest request, string actor, CancellationToken cancellationToken)
    {
        var name = RequireName(request.Name, "name");
        var settings = new ConnectionSettings(RequireConnectionString(request.ConnectionString, "connectionString"), ValidReplicas(request.Replicas));
        if (request.MigrationConnectionString is not null)
        {
            RequireConnectionString(request.MigrationConnectionString, "migrationConnectionString");
        }

        await RequireReachableAsync(settings.ConnectionString, "connectionString", cancellationToken);

        // "main" is the database of single mode (with the embedded default, the catalog's own database).
        var kind = name == SingleDatabaseName ? DatabaseKinds.Single : DatabaseKinds.Shared;
        await databases.RegisterAsync(new DatabaseRegistration(name, kind, settings, request.MigrationConnectionString), actor, cancellationToken);
        await migrator.ApplyTenantDatabaseAsync(name, cancellationToken);
        return (await databases.ListAsync(cancellationToken)).Single(d => d.Name == name);
    }

    public async Task CreateShardSetAsync(CreateShardSetRequest request, string actor, CancellationToken cancellationToken)
    {
        var name = RequireName(request.Name, "name");
        if (request.Databases is not { Count: > 0 })
        {
            throw new AdminRequestException("databases", "list at least one registered shared database");
        }

        try
        {
            await databases.CreateShardSetAsync(name, request.Databases, actor, cancellationToken);
        }
        catch (KeyNotFoundException missing)
        {
            throw new AdminRequestException("databases", missing.Message);
        }
    }

    public async Task<TenantRecord> CreateTenantAsync(CreateTenantRequest request, string actor, CancellationToken cancellationToken)
    {
        var id = request.Id is not null && TenantId().IsMatch(request.Id)
            ? request.Id
            : throw new AdminRequestException("id", "must be a lower-case slug: letters, digits and '-', 1-63 characters, not starting or ending with '-'");
        var name = string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200
            ? throw new AdminRequestException("name", "is required, at most 200 characters")
            : request.Name;
        if (request.Industry is { Length: > 100 })
        {
            throw new AdminRequestException("industry", "at most 100 characters");
        }

        var placement = request.Placement ?? throw new AdminRequestException("placement", "is required");
        var (mode, database) = placement.Mode switch
        {
            PlacementModes.Single => (PlacementModes.Single, await RequireDatabaseAsync(SingleDatabaseName, DatabaseKinds.Single, "placement.mode", cancellationToken)),
            PlacementModes.Shared => (PlacementModes.Shared, await RequireDatabaseAsync(placement.Database, DatabaseKinds.Shared, "placement.database", cancellationToken)),
            PlacementModes.Sharded => (PlacementModes.Sharded, await PickShardAsync(id, placement.ShardSet, cancellationToken)),
            PlacementModes.Dedicated => (PlacementModes.Dedicated, await CreateDedicatedDatabaseAsync(id, placement, actor, cancellationToken)),
            _ => throw new AdminRequestException("placement.mode", "must be one of single, dedicated, shared, sharded"),
        };

        return await tenants.CreateAsync(new TenantRegistration(id, name, request.Industry, mode, database), actor, cancellationToken);
    }

    public async Task<IssuedApiKey> IssueApiKeyAsync(string tenantId, IssueApiKeyRequest? request, string actor, CancellationToken cancellationToken)
    {
        await RequireTenantAsync(tenantId, cancellationToken);
        if (request?.Name is { Length: > 100 })
        {
            throw new AdminRequestException("name", "at most 100 characters");
        }

        var key = await apiKeys.IssueAsync(tenantId, request?.Name, actor, cancellationToken);
        await cluster.DeactivateAsync<ITenantGrain>(tenantId, cancellationToken);
        return key;
    }

    /// <summary>Revokes the key; when this returns no silo accepts it any more.</summary>
    public async Task<bool> RevokeApiKeyAsync(string tenantId, Guid keyId, string actor, CancellationToken cancellationToken)
    {
        if (!await apiKeys.RevokeAsync(tenantId, keyId, actor, cancellationToken))
        {
            return false;
        }

        await cluster.DeactivateAsync<ITenantGrain>(tenantId, cancellationToken);
        return true;
    }

    /// <summary>Replaces the tenant's connection settings; when this returns no silo uses the old ones.</summary>
    public async Task<bool> ReplaceConnectionAsync(string tenantId, ReplaceConnectionRequest request, string actor, CancellationToken cancellationToken)
    {
        var settings = new ConnectionSettings(RequireConnectionString(request.ConnectionString, "connectionString"), ValidReplicas(request.Replicas));
        if (!await tenants.ReplaceConnectionAsync(tenantId, settings, actor, cancellationToken))
        {
            return false;
        }

        await cluster.DeactivateAsync<ITenantGrain>(tenantId, cancellationToken);
        return true;
    }

    public Task<bool> DeactivateAsync(string tenantId, CancellationToken cancellationToken) =>
        cluster.DeactivateAsync<ITenantGrain>(tenantId, cancellationToken);

    private async Task<string> CreateDedicatedDatabaseAsync(string tenantId, TenantPlacementRequest placement, string actor, CancellationToken cancellationToken)
    {
        var name = $"tenant-{tenantId}";
        if (placement.CreateDatabase == true)
        {
            var admin = configuration.GetConnectionString("Catalog")!;
            var provisioned = await provisioner.CreateAsync(admin, "tenant_" + tenantId.Replace('-', '_'), cancellationToken);
            await databases.RegisterAsync(
                new DatabaseRegistration(name, DatabaseKinds.Dedicated, new ConnectionSettings(provisioned.AppConnectionString, []), provisioned.OwnerConnectionString),
                actor,
                cancellationToken);
        }
        else
        {
            var settings = new ConnectionSettings(RequireConnectionString(placement.ConnectionString, "placement.connectionString"), ValidReplicas(placement.Replicas));
            await RequireReachableAsync(settings.ConnectionString, "placement.connectionString", cancellationToken);
            await databases.RegisterAsync(new DatabaseRegistration(name, DatabaseKinds.Dedicated, settings), actor, cancellationToken);
        }

        await migrator.ApplyTenantDatabaseAsync(name, cancellationToken);
        return name;
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

    private async Task<string> RequireDatabaseAsync(string? name, string kind, string field, CancellationToken cancellationToken)
    {
        var database = (await databases.ListAsync(cancellationToken)).FirstOrDefault(d => d.Name == name);
        return database is not null && database.Kind == kind
            ? database.Name
            : throw new AdminRequestException(field, $"no registered {kind} database named '{name}'");
    }

    private async Task RequireTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (await tenants.GetAsync(tenantId, cancellationToken) is null)
        {
            throw new KeyNotFoundException($"There is no tenant '{tenantId}'.");
        }
    }

    private static async Task RequireReachableAsync(string connectionString, string field, CancellationToken cancellationToken)
    {
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            throw new AdminRequestException(field, $"cannot connect ({TenantDatabaseErrors.Describe(ex)})");
        }
    }

    private static string RequireName(string? name, string field) =>
        name is not null && DatabaseName().IsMatch(name)
            ? name
            : throw new AdminRequestException(field, "must be 1-63 characters of lower-case letters, digits, '-' and '_', starting with a letter");

    private static string RequireConnectionString(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new AdminRequestException(field, "is required");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return string.IsNullOrEmpty(builder.Host) ? throw new AdminRequestException(field, "names no Host") : value;
        }
        catch (ArgumentException)
        {
            // The value may hold a password: the message says what is wrong, never what was sent.
            throw new AdminRequestException(field, "is not a valid PostgreSQL connection string");
        }
    }

    private static List<string> ValidReplicas(IReadOnlyList<string>? replicas) =>
        [.. (replicas ?? []).Select((r, i) => RequireConnectionString(r, $"replicas[{i}]"))];

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex TenantId();

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$")]
    private static partial Regex DatabaseName();
}
