using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Silo.Embedded;

/// <summary>
/// Seeds the embedded default on its first start: a dedicated and a shared database and a two-shard set on the embedded server, five demo tenants
/// across those modes with CRM rows, and one API key each. Never runs against a configured catalog.
/// </summary>
public sealed partial class DemoSeeder(
    CatalogDatabase catalog,
    DatabaseCatalog databases,
    TenantCatalog tenants,
    ApiKeyCatalog apiKeys,
    DatabaseProvisioner provisioner,
    SchemaMigrator migrator,
    ILogger<DemoSeeder> logger)
{
    private const string Actor = "embedded-demo";

    // Silos started together in one directory: one seeds, the others wait for it and then find the tenants.
    private const long SeedLockKey = 0x4f54_4445_4d4f;
    private const string ShardSet = "demo-shards";

    private static readonly DemoTenant[] DemoTenants =
    [
        new("acme", "Acme Corporation", "Manufacturing", PlacementModes.Single, SingleModeDatabase.Name),
        new("globex", "Globex", "Energy", PlacementModes.Dedicated, "globex"),
        new("initech", "Initech", "Software", PlacementModes.Shared, "shared-services"),
        new("umbrella", "Umbrella Health", "Healthcare", PlacementModes.Shared, "shared-services"),
        new("hooli", "Hooli", "Software", PlacementModes.Sharded, null),
    ];

    /// <summary>Seeds on first start; returns what to show once, or a reminder on later starts.</summary>
    public async Task<DemoBanner> EnsureAsync(EmbeddedCatalog embedded, CancellationToken cancellationToken)
    {
        await using var seedLock = await CatalogAdvisoryLock.AcquireAsync(catalog, SeedLockKey, cancellationToken);
        return await SeedOnceAsync(embedded, cancellationToken);
    }

    private async Task<DemoBanner> SeedOnceAsync(EmbeddedCatalog embedded, CancellationToken cancellationToken)
    {
        var existing = await tenants.ListAsync(cancellationToken);
        if (existing.Count > 0)
        {
            return new DemoBanner(embedded, [.. existing.Select(t => (t.Id, t.PlacementMode))], null);
        }

        LogSeeding(logger);
        var admin = embedded.CatalogConnectionString;
        // Single mode's database was set up before, as on any catalog (SingleModeDatabase).
        var appConnections = new Dictionary<string, string>
        {
            [SingleModeDatabase.Name] = (await databases.GetConnectionAsync(SingleModeDatabase.Name, cancellationToken)).ConnectionString,
        };

        await ProvisionAsync(admin, "globex", "tenant_globex", DatabaseKinds.Dedicated, appConnections, cancellationToken);
        await ProvisionAsync(admin, "shared-services", "shared_services", DatabaseKinds.Shared, appConnections, cancellationToken);
        await ProvisionAsync(admin, "shard-0", "shard_0", DatabaseKinds.Shared, appConnections, cancellationToken);
        await ProvisionAsync(admin, "shard-1", "shard_1", DatabaseKinds.Shared, appConnections, cancellationToken);
        await databases.CreateShardSetAsync(ShardSet, ["shard-0", "shard-1"], Actor, cancellationToken);

        foreach (var name in appConnections.Keys.Where(name => name != SingleModeDatabase.Name))
        {
            await migrator.ApplyTenantDatabaseAsync(name, cancellationToken);
        }

        var keys = new List<IssuedApiKey>();
        for (var i = 0; i < DemoTenants.Length; i++)
        {
            var demo = DemoTenants[i];
            var database = demo.Database ?? $"shard-{ShardAssignment.Pick(demo.Id, 2)}";
            await tenants.CreateAsync(new TenantRegistration(demo.Id, demo.Name, demo.Industry, demo.Mode, database), Actor, cancellationToken);
            await DemoCrmData.SeedAsync(appConnections[database], demo.Id, seed: 1000 + i, cancellationToken);
            keys.Add(await apiKeys.IssueAsync(demo.Id, "demo", Actor, cancellationToken));
        }

        return new DemoBanner(embedded, [.. DemoTenants.Select(t => (t.Id, t.Mode))], keys);
    }

    private async Task ProvisionAsync(
        string admin, string name, string physicalName, string kind, Dictionary<string, string> appConnections, CancellationToken cancellationToken)
    {
        var provisioned = await provisioner.CreateAsync(admin, physicalName, cancellationToken);
        await databases.RegisterAsync(
            new DatabaseRegistration(name, kind, new ConnectionSettings(provisioned.AppConnectionString, []), provisioned.OwnerConnectionString),
            Actor,
            cancellationToken);
        appConnections[name] = provisioned.AppConnectionString;
    }

    private sealed record DemoTenant(string Id, string Name, string Industry, string Mode, string? Database);

    [LoggerMessage(Level = LogLevel.Information, Message = "First start of the embedded default: creating demo databases and tenants")]
    private static partial void LogSeeding(ILogger logger);
}
