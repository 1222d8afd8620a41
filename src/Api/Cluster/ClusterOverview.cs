using System.Collections.Concurrent;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Api.Cluster;

/// <summary>
/// <c>GET /admin/cluster</c>: the silos from Orleans' membership (every one not dead), each with its public URL and its
/// tenant activations as the silos themselves report them through the management grain.
/// </summary>
public sealed partial class ClusterOverview(IGrainFactory grains, TenantActivations activations, ILogger<ClusterOverview> logger)
{
    // A silo's URL is fixed for its life, and its address names that life (it carries a generation): asked once.
    private readonly ConcurrentDictionary<string, string> _urls = new(StringComparer.Ordinal);

    public async Task<ClusterView> ReadAsync()
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        await LearnUrlsAsync(management, hosts);
        var tenantsPerSilo = (await activations.LocateAllAsync()).Values.CountBy(silo => silo).ToDictionary();
        return new ClusterView(
        [
            .. hosts
                .Where(h => h.Status != SiloStatus.Dead)
                .OrderBy(h => h.StartTime)
                .Select(h => new SiloView(
                    h.SiloAddress.ToParsableString(),
                    h.SiloName,
                    _urls.GetValueOrDefault(h.SiloAddress.ToParsableString()),
                    StatusText(h.Status),
                    tenantsPerSilo.GetValueOrDefault(h.SiloAddress),
                    new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)))),
        ]);
    }

    /// <summary>
    /// Asks every silo for its URL when an active one is not known yet. The question goes to all silos at once, so one
    /// that died and is not declared dead yet fails it: the view then shows no URL for the new silos, and asks again.
    /// </summary>
    private async Task LearnUrlsAsync(IManagementGrain management, MembershipEntry[] hosts)
    {
        var live = hosts.Where(h => h.Status != SiloStatus.Dead).Select(h => h.SiloAddress.ToParsableString()).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _urls.Keys.Where(address => !live.Contains(address)))
        {
            _urls.TryRemove(gone, out _);
        }

        if (!hosts.Any(h => h.Status == SiloStatus.Active && !_urls.ContainsKey(h.SiloAddress.ToParsableString())))
        {
            return;
        }

        try
        {
            // A silo whose web server is not listening yet has no URL to give: asked again next time.
            foreach (var answer in (await management.SendControlCommandToProvider<SiloUrlControl>(SiloUrlControl.ProviderName, SiloUrlControl.DescribeCommand)).OfType<SiloUrl>())
            {
                if (answer.Url is not null)
                {
                    _urls[answer.SiloAddress] = answer.Url;
                }
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogUrlsUnknown(ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A silo did not say where its API is ({Reason}); the cluster view shows no URL for the silos not known yet")]
    private partial void LogUrlsUnknown(string reason);

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
