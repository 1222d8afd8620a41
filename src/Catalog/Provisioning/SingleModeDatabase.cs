using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Catalog.Provisioning;

/// <summary>
/// Single mode keeps tenant data in the catalog's own database, registered as <c>main</c>. A silo sets it up at start
/// on any catalog, embedded or configured: an application role that owns nothing, lacks BYPASSRLS and cannot read
/// the catalog's tables, the tenant schema, the registration. Silos starting together take turns; the first does it.
/// </summary>
public sealed partial class SingleModeDatabase(
    CatalogDatabase catalog,
    DatabaseCatalog databases,
    DatabaseProvisioner provisioner,
    SchemaMigrator migrator,
    IOptions<CatalogOptions> catalogOptions,
    ILogger<SingleModeDatabase> logger)
{
    public const string Name = "main";
    private const string Actor = "silo-startup";
    private const long SetupLockKey = 0x4f54_4d41_494e;

    /// <returns>False when the catalog's role may not set it up; the log says what to grant.</returns>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        await using var turn = await CatalogAdvisoryLock.AcquireAsync(catalog, SetupLockKey, cancellationToken);
        if ((await databases.ListAsync(cancellationToken)).Any(database => database.Name == Name))
        {
            return true;
        }

        var catalogConnectionString = catalogOptions.Value.ConnectionString;
        var server = new NpgsqlConnectionStringBuilder(catalogConnectionString);
        try
        {
            var app = await provisioner.EnsureApplicationRoleAsync(catalogConnectionString, server.Database!, cancellationToken);
            await migrator.ApplyTenantSchemaAsync(catalogConnectionString, cancellationToken);
            await databases.RegisterAsync(
                new DatabaseRegistration(Name, DatabaseKinds.Single, new ConnectionSettings(app, []), catalogConnectionString), Actor, cancellationToken);
            LogSetUp(server.Database!);
            return true;
        }
        catch (Exception e) when (e is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } or ArgumentException)
        {
            LogNotSetUp(server.Username ?? "(default)", server.Database ?? "(default)", e.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Single mode set up: database 'main' is the catalog's database {Database}, reached as an application role that owns nothing")]
    private partial void LogSetUp(string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Single mode is not available: the catalog's role {Role} could not set up database {Database} for it ({Reason}). "
        + "Give that role CREATEROLE and ownership of the database, or register 'main' with POST /admin/databases")]
    private partial void LogNotSetUp(string role, string database, string reason);
}
