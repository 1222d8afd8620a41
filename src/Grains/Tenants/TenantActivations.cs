using Orleans.Serialization.TypeSystem;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Tenant activations across the cluster, from Orleans' management grain: where each tenant is active (read from
/// the silos' own activation lists, not a directory cache that may be stale) and ending an activation wherever it is.
/// </summary>
/// <remarks>
/// Reading asks each active silo on its own, so a silo that died and is not declared dead yet leaves out only its
/// own activations. Deactivating must reach every silo: there, a silo that does not answer fails the call (the admin
/// gets 503 and may repeat), since it may hold the activation.
/// </remarks>
public sealed class TenantActivations(IGrainFactory grains)
{
    private static readonly string[] TenantGrainClass = [RuntimeTypeNameFormatter.Format(typeof(TenantGrain))];

    private IManagementGrain Management => grains.GetGrain<IManagementGrain>(0);

    /// <summary>Deactivates the tenant's activation on whichever silo holds it; when this returns it is gone. False when it had none.</summary>
    public async Task<bool> DeactivateAsync(string tenantId)
    {
        var answers = await Management.SendControlCommandToProvider<TenantActivationControl>(
            TenantActivationControl.ProviderName, TenantActivationControl.DeactivateCommand, tenantId);
        return answers.Any(answer => answer is true);
    }

    /// <summary>Every active tenant, with the silo that holds its activation, as the silos that answer report them.</summary>
    public async Task<IReadOnlyDictionary<string, SiloAddress>> LocateAllAsync()
    {
        var management = Management;
        var silos = await management.GetHosts(onlyActive: true);
        var answers = await Task.WhenAll(silos.Keys.Select(async silo =>
        {
            try
            {
                return await management.GetDetailedGrainStatistics(TenantGrainClass, [silo]);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                return [];
            }
        }));
        var located = new Dictionary<string, SiloAddress>(StringComparer.Ordinal);
        foreach (var activation in answers.SelectMany(a => a))
        {
            located[activation.GrainId.Key.ToString()!] = activation.SiloAddress;
        }

        return located;
    }

    /// <summary>The silo that holds the tenant's activation, or null.</summary>
    public async Task<SiloAddress?> LocateAsync(string tenantId) =>
        (await LocateAllAsync()).GetValueOrDefault(tenantId);
}
