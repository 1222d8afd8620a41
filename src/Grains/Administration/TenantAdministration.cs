using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Moves;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.DataCopy;
using OrleansTenants.Grains.Tenants;
using OrleansTenants.Postgres;

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
    TenantMoveCatalog moves,
    MoveReplicationFactory replications,
    TenantActivations activations,
    IGrainFactory grains,
    IOptions<CatalogOptions> catalogOptions)
{
    public async Task<DatabaseRecord> RegisterDatabaseAsync(RegisterDatabaseRequest request, string actor, CancellationToken cancellationToken)
    {
        var name = AdminValidation.RequireName(request.Name, "name");
        var settings = AdminValidation.ValidSettings(request.ConnectionString, request.Replicas, "connectionString");
        if (request.MigrationConnectionString is not null)
        {
            AdminValidation.RequireConnectionString(request.MigrationConnectionString, "migrationConnectionString");
        }

        await RequireReachableAsync(settings.ConnectionString, "connectionString", cancellationToken);

        // "main" is the database of single mode (with the embedded default, the catalog's own database).
        var kind = name == SingleModeDatabase.Name ? DatabaseKinds.Single : DatabaseKinds.Shared;
        // Migrated before it is registered: a database whose schema cannot be brought up is refused, not half registered.
        await ApplyTenantSchemaAsync(request.MigrationConnectionString ?? settings.ConnectionString,
            request.MigrationConnectionString is null ? "connectionString" : "migrationConnectionString", cancellationToken);
        await databases.RegisterAsync(new DatabaseRegistration(name, kind, settings, request.MigrationConnectionString), actor, cancellationToken);
        return (await databases.ListAsync(cancellationToken)).Single(d => d.Name == name);
    }

    public async Task CreateShardSetAsync(CreateShardSetRequest request, string actor, CancellationToken cancellationToken)
    {
        var name = AdminValidation.RequireName(request.Name, "name");
        if (request.Databases is not { Count: > 0 } || request.Databases.Any(string.IsNullOrEmpty))
        {
            throw new AdminRequestException("databases", "list at least one registered shared database, by name");
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
        var id = request.Id is not null && AdminValidation.TenantId().IsMatch(request.Id)
            ? request.Id
            : throw new AdminRequestException("id", "must be a lower-case slug: letters, digits and '-', 1-63 characters, not starting or ending with '-'");
        var name = string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200
            ? throw new AdminRequestException("name", "is required, at most 200 characters")
            : AdminValidation.RequirePlainText(request.Name, "name");
        if (request.Industry is { Length: > 100 })
        {
            throw new AdminRequestException("industry", "at most 100 characters");
        }

        var industry = request.Industry is null ? null : AdminValidation.RequirePlainText(request.Industry, "industry");
        var placement = request.Placement ?? throw new AdminRequestException("placement", "is required");
        // Refused before anything is provisioned, so a taken id changes nothing.
        if (await tenants.GetAsync(id, cancellationToken) is not null)
        {
            throw new AdminConflictException($"Tenant '{id}' exists already.");
        }

        var (mode, database, provisioned) = await ResolvePlacementAsync(id, placement, actor, cancellationToken);
        try
        {
            return await tenants.CreateAsync(new TenantRegistration(id, name, industry, mode, database), actor, cancellationToken);
        }
        catch when (mode == PlacementModes.Dedicated)
        {
            await UndoDedicatedDatabaseAsync(database, provisioned, actor, "tenant creation failed");
            throw;
        }
    }

    public async Task<IssuedApiKey> IssueApiKeyAsync(string tenantId, IssueApiKeyRequest? request, string actor, CancellationToken cancellationToken)
    {
        await RequireTenantAsync(tenantId, cancellationToken);
        if (request?.Name is { Length: > 100 })
        {
            throw new AdminRequestException("name", "at most 100 characters");
        }

        var keyName = request?.Name is null ? null : AdminValidation.RequirePlainText(request.Name, "name");
        var key = await apiKeys.IssueAsync(tenantId, keyName, actor, cancellationToken);
        await DeactivateCommittedAsync(tenantId);
        return key;
    }

    /// <summary>
    /// Revokes the key; when this returns no silo accepts it any more. The grain is deactivated even when the key
    /// was revoked already, so repeating a revoke whose deactivation failed (503) finishes the job.
    /// </summary>
    public async Task<bool> RevokeApiKeyAsync(string tenantId, Guid keyId, string actor, CancellationToken cancellationToken)
    {
        var revoked = await apiKeys.RevokeAsync(tenantId, keyId, actor, cancellationToken);
        await DeactivateCommittedAsync(tenantId);
        return revoked;
    }

    /// <summary>Replaces the tenant's connection settings; when this returns no silo uses the old ones.</summary>
    public async Task<bool> ReplaceConnectionAsync(string tenantId, ReplaceConnectionRequest request, string actor, CancellationToken cancellationToken)
    {
        var settings = AdminValidation.ValidSettings(request.ConnectionString, request.Replicas, "connectionString");
        if (!await tenants.ReplaceConnectionAsync(tenantId, settings, actor, cancellationToken))
        {
            return false;
        }

        await DeactivateCommittedAsync(tenantId);
        return true;
    }

    /// <summary>Deactivates the tenant's grain (its next call reads the catalog afresh); audited.</summary>
    public async Task<bool> DeactivateAsync(string tenantId, string actor, CancellationToken cancellationToken)
    {
        var deactivated = await activations.DeactivateAsync(tenantId);
        await tenants.AuditAsync(actor, "tenant.deactivate", tenantId, new Dictionary<string, object?> { ["wasActive"] = deactivated }, cancellationToken);
        return deactivated;
    }

    /// <summary>
    /// After a committed catalog change: not cancelled with the request, since a client that hangs up must not leave
    /// an activation serving what was just changed. If a silo does not answer, the caller gets 503 and may repeat.
    /// </summary>
    private Task<bool> DeactivateCommittedAsync(string tenantId) => activations.DeactivateAsync(tenantId);

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
            throw new AdminRequestException(field, $"cannot connect ({DatabaseErrors.Describe(ex)})");
        }
    }
}
