using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTenants.Api.Cluster;
using OrleansTenants.Grains.Moves;

namespace OrleansTenants.Silo.Cluster;

/// <summary>
/// Orleans as this product runs it: ADO.NET clustering, grain storage and reminders on PostgreSQL (tables from
/// <see cref="ClusterSchema"/>), the strongly consistent grain directory, failure detection tuned with the directory's
/// lease so a dead silo's tenants are served again within seconds, and ports picked when not configured.
/// Everything is overridable under <c>Orleans:</c> (see the README's configuration table).
/// </summary>
public static class TenantClusterConfiguration
{
    private static readonly Dictionary<string, Func<PlacementStrategy>> Placements = new(StringComparer.Ordinal)
    {
        ["hash"] = () => new HashBasedPlacement(),
        ["prefer-local"] = () => new PreferLocalPlacement(),
        ["random"] = () => new RandomPlacement(),
        ["activation-count"] = () => new ActivationCountBasedPlacement(),
        ["resource-optimized"] = () => new ResourceOptimizedPlacement(),
    };

    public static ISiloBuilder ConfigureTenantCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var orleans = configuration.GetSection("Orleans");
        var connectionString = ClusterDatabase.ConnectionString(configuration);
        silo.Configure<ClusterOptions>(o => ClusterIdentity.ApplyDefaults(o, configuration));
        if (string.IsNullOrEmpty(orleans["Name"]))
        {
            silo.Configure<SiloOptions>(o => o.SiloName = $"{Environment.MachineName}-{Environment.ProcessId}");
        }

        ConfigureEndpoints(silo, orleans.GetSection("Endpoints"));
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterDatabase.Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(TenantMoveGrain.StorageName, o =>
        {
            o.Invariant = ClusterDatabase.Invariant;
            o.ConnectionString = connectionString;
        });
        // Job state as readable JSON in orleans.orleansstorage.
        silo.UseSystemTextJsonGrainStorageSerializer();
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = ClusterDatabase.Invariant;
            o.ConnectionString = connectionString;
        });
        // One activation per tenant also while silos join and die (the default directory may briefly allow two).
        silo.AddDistributedGrainDirectory();
        ConfigureFailureDetection(silo.Services, orleans);
        silo.Services.Configure<GrainCollectionOptions>(orleans.GetSection("Collection"));
        var placement = orleans["Placement"] ?? "hash";
        if (!Placements.TryGetValue(placement, out var strategy))
        {
            throw new InvalidOperationException($"Orleans:Placement '{placement}' is not one of {string.Join(", ", Placements.Keys)}.");
        }

        silo.Services.AddSingleton<PlacementStrategy>(strategy());
        return silo;
    }

    /// <summary>Orleans' own keys (<c>Orleans:Endpoints:SiloPort</c>, <c>GatewayPort</c>, <c>AdvertisedIPAddress</c>), free ports on loopback by default.</summary>
    private static void ConfigureEndpoints(ISiloBuilder silo, IConfigurationSection endpoints)
    {
        var address = IPAddress.Parse(endpoints["AdvertisedIPAddress"] ?? IPAddress.Loopback.ToString());
        var siloPort = endpoints.GetValue<int?>("SiloPort") ?? FreePort.Pick(address);
        var gatewayPort = endpoints.GetValue<int?>("GatewayPort") ?? FreePort.Pick(address);
        silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: endpoints.GetValue("ListenOnAnyHostAddress", false));
    }

    /// <summary>
    /// A silo killed with SIGKILL refuses its peers' probes at once: two missed 2-second probes and two votes declare
    /// it dead. The directory's range lease then only has to cover what failure detection has not already waited out,
    /// so it is set to that detection time: a dead silo's grains are placed again as soon as it is declared dead.
    /// </summary>
    private static void ConfigureFailureDetection(IServiceCollection services, IConfigurationSection orleans)
    {
        services.AddOptions<ClusterMembershipOptions>()
            .Configure(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
                o.DefunctSiloExpiration = TimeSpan.FromHours(1);
                o.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
            })
            .Bind(orleans.GetSection("Membership"));
        services.AddOptions<GrainDirectoryOptions>()
            .Configure<IOptions<ClusterMembershipOptions>>((directory, membership) =>
                directory.RangeLeaseDuration = membership.Value.MaxProbeTimeout * membership.Value.NumMissedProbesLimit)
            .Bind(orleans.GetSection("Directory"));
    }
}
