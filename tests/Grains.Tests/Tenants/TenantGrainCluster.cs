using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Catalog;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.Administration;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Grains.Tests.Tenants;

/// <summary>
/// One in-process silo with the grains' real services over a fresh catalog: tests call <c>ITenantGrain</c> directly,
/// without HTTP. A tenant's calls beyond its limit get no queue (<c>QueueLimit</c> 0), so the guard shows at once.
/// </summary>
public sealed class TenantGrainCluster : IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _catalog = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IServiceProvider Silo => Cluster.Silos[0].ServiceProvider;

    public async Task InitializeAsync()
    {
        await _catalog.InitializeAsync();
        var settings = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{CatalogOptions.ConnectionStringName}"] = _catalog.ConnectionString,
            ["Encryption:Keys:k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Encryption:ActiveKeyId"] = "k1",
            ["TenantData:QueueLimit"] = "0",
            ["TenantData:StatementTimeout"] = "00:01:00",
        };
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(settings);
            host.Services.AddTenantCatalog(host.Configuration).AddTenantAdministration().AddTenantGrains(host.Configuration);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        await Silo.GetRequiredService<SchemaMigrator>().ApplyCatalogAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    /// <summary>A tenant in a database made for it, and one API key's hash.</summary>
    public async Task<(string Id, byte[] KeyHash)> CreateTenantAsync(int? maxConcurrency = null)
    {
        var id = $"g{Guid.NewGuid():N}"[..12];
        var administration = Silo.GetRequiredService<TenantAdministration>();
        await administration.CreateTenantAsync(
            new CreateTenantRequest(id, id, null, new TenantPlacementRequest("dedicated", null, null, true, null, null)), "test", CancellationToken.None);
        if (maxConcurrency is { } limit)
        {
            await using var catalog = NpgsqlDataSource.Create(_catalog.ConnectionString);
            await using var update = catalog.CreateCommand("UPDATE catalog.tenants SET max_concurrency = $1 WHERE id = $2");
            update.Parameters.AddWithValue(limit);
            update.Parameters.AddWithValue(id);
            await update.ExecuteNonQueryAsync();
        }

        var key = await administration.IssueApiKeyAsync(id, null, "test", CancellationToken.None);
        return (id, ApiKeyCatalog.Hash(key.Key));
    }

    /// <summary>The tenant's database as a superuser sees it (to hold locks and count its connections).</summary>
    public async Task<(NpgsqlDataSource Database, string Name)> OpenTenantDatabaseAsync(string tenantId)
    {
        var tenant = (await Silo.GetRequiredService<TenantCatalog>().GetAsync(tenantId, CancellationToken.None))!;
        var settings = await Silo.GetRequiredService<DatabaseCatalog>().GetConnectionAsync(tenant.DatabaseName, CancellationToken.None);
        var name = new NpgsqlConnectionStringBuilder(settings.ConnectionString).Database!;
        return (NpgsqlDataSource.Create(_catalog.Server.GetConnectionString(name)), name);
    }
}
