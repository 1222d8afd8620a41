using Orleans.Serialization.TypeSystem;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Tenant activations across the cluster, from Orleans' management grain: where each tenant is active (read from
/// the silos' own activation lists, not a directory cache that may be stale) and ending an activation wherever it is.
/// </summary>
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

    /// <summary>Every active tenant, with the silo that holds its activation.</summary>
    public async Task<IReadOnlyDictionary<string, SiloAddress>> LocateAllAsync()
    {
        var located = new Dictionary<string, SiloAddress>(StringComparer.Ordinal);
        foreach (var activation in await Management.GetDetailedGrainStatistics(TenantGrainClass))
        {
            located[activation.GrainId.Key.ToString()!] = activation.SiloAddress;
        }

        return located;
    }

    /// <summary>The silo that holds the tenant's activation, or null.</summary>
    public async Task<SiloAddress?> LocateAsync(string tenantId) =>
        (await LocateAllAsync()).GetValueOrDefault(tenantId);
}
