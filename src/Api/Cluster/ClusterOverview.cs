using OrleansTenants.Api.Admin;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Api.Cluster;

/// <summary>
/// <c>GET /admin/cluster</c>: the silos from Orleans' membership (every one not dead), each with its public URL and its
/// tenant activations as the silos themselves report them through the management grain.
/// </summary>
public sealed class ClusterOverview(IGrainFactory grains, TenantActivations activations)
{
    public async Task<ClusterView> ReadAsync()
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var urls = (await management.SendControlCommandToProvider<SiloUrlControl>(SiloUrlControl.ProviderName, SiloUrlControl.DescribeCommand))
            .OfType<SiloUrl>()
            .ToDictionary(u => u.SiloAddress, u => u.Url, StringComparer.Ordinal);
        var tenantsPerSilo = (await activations.LocateAllAsync()).Values.CountBy(silo => silo).ToDictionary();
        return new ClusterView(
        [
            .. hosts
                .Where(h => h.Status != SiloStatus.Dead)
                .OrderBy(h => h.StartTime)
                .Select(h => new SiloView(
                    h.SiloAddress.ToParsableString(),
                    h.SiloName,
                    urls.GetValueOrDefault(h.SiloAddress.ToParsableString()),
                    StatusText(h.Status),
                    tenantsPerSilo.GetValueOrDefault(h.SiloAddress),
                    new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)))),
        ]);
    }

    /// <summary>The contract's words for Orleans' silo statuses (<c>active</c> for a live silo).</summary>
    public static string StatusText(SiloStatus status) => status switch
    {
        SiloStatus.Active => "active",
        SiloStatus.Created or SiloStatus.Joining => "joining",
        SiloStatus.ShuttingDown or SiloStatus.Stopping => "shutting_down",
        SiloStatus.Dead => "dead",
        _ => "unknown",
    };
}
