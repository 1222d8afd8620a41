using Microsoft.Extensions.Logging.Abstractions;
using OrleansTenants.Catalog.Provisioning;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>Two silos and one tenant per placement mode: single, dedicated (created by the platform), shared, sharded.</summary>
public sealed class PlacementModesFixture : IAsyncLifetime
{
    public ApiCluster Cluster { get; } = new();

    /// <summary>Placement mode to (tenant id, API key).</summary>
    public Dictionary<string, (string Tenant, string Key)> Tenants { get; } = [];

    /// <summary>The physical name of the database registered as <c>shared-one</c>.</summary>
    public string SharedDatabase { get; private set; } = null!;

    /// <summary>The physical names of the databases registered as <c>shard-0</c> and <c>shard-1</c>.</summary>
    public List<string> ShardDatabases { get; } = [];

    /// <summary>The application role's connection to <c>shared-one</c>: a tenant's own connection settings, in tests that need them.</summary>
    public string SharedAppConnectionString { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var provisioner = new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance);
        var shared = await provisioner.CreateAsync(Cluster.CatalogConnectionString, $"shared_{suffix}", CancellationToken.None);
        SharedDatabase = shared.Name;
        SharedAppConnectionString = shared.AppConnectionString;
        await Cluster.PostAsync("/admin/databases", new { name = "shared-one", connectionString = shared.AppConnectionString, migrationConnectionString = shared.OwnerConnectionString });
        for (var i = 0; i < 2; i++)
        {
            var shard = await provisioner.CreateAsync(Cluster.CatalogConnectionString, $"shard{i}_{suffix}", CancellationToken.None);
            ShardDatabases.Add(shard.Name);
            await Cluster.PostAsync("/admin/databases", new { name = $"shard-{i}", connectionString = shard.AppConnectionString, migrationConnectionString = shard.OwnerConnectionString });
        }

        await Cluster.PostAsync("/admin/shard-sets", new { name = "shards", databases = new[] { "shard-0", "shard-1" } });

        Tenants["single"] = ($"single-{suffix}", await Cluster.CreateTenantAsync($"single-{suffix}", new { mode = "single" }));
        Tenants["dedicated"] = ($"dedicated-{suffix}", await Cluster.CreateTenantAsync($"dedicated-{suffix}", new { mode = "dedicated", createDatabase = true }));
        Tenants["shared"] = ($"shared-{suffix}", await Cluster.CreateTenantAsync($"shared-{suffix}", new { mode = "shared", database = "shared-one" }));
        Tenants["sharded"] = ($"sharded-{suffix}", await Cluster.CreateTenantAsync($"sharded-{suffix}", new { mode = "sharded", shardSet = "shards" }));
        Tenants["shared-neighbour"] = ($"neighbour-{suffix}", await Cluster.CreateTenantAsync($"neighbour-{suffix}", new { mode = "shared", database = "shared-one" }));
    }

    public Task DisposeAsync() => Cluster.DisposeAsync();
}
