using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Invocation;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.Runtime.Messaging;

namespace OrleansTenants.Runtime.Hosting;

/// <summary>
/// <see cref="IClusterManagement"/> over the directory and the membership table; deactivation is sent to
/// the silo that holds the activation and answered once that silo has finished it.
/// </summary>
internal sealed class ClusterManagement(
    GrainTypeRegistry registry,
    IGrainDirectory directory,
    IMembershipTable membership,
    SiloTransportClient transport,
    LocalSilo? localSilo = null,
    ActivationManager? activations = null) : IClusterManagement
{
    public async Task<bool> DeactivateAsync<TGrainInterface>(string key, CancellationToken cancellationToken)
        where TGrainInterface : IGrainWithStringKey
    {
        var grainId = GrainIdOf<TGrainInterface>(key);
        var address = await directory.LookupAsync(grainId, cancellationToken);
        if (address is null)
        {
            return false;
        }

        if (activations is not null && localSilo!.IsStarted && address.Silo == localSilo.Address)
        {
            return await activations.DeactivateAsync(grainId, DeactivationReason.ExternalRequest);
        }

        var snapshot = await membership.ReadAllAsync(cancellationToken);
        if (!snapshot.Entries.Any(e => e.Address == address.Silo && e.Status is SiloStatus.Active or SiloStatus.ShuttingDown))
        {
            return false;
        }

        return await transport.DeactivateAsync(address.Silo, grainId.ToString(), cancellationToken);
    }

    public async Task<SiloDescription?> FindActivationAsync<TGrainInterface>(string key, CancellationToken cancellationToken)
        where TGrainInterface : IGrainWithStringKey
    {
        var address = await directory.LookupAsync(GrainIdOf<TGrainInterface>(key), cancellationToken);
        if (address is null)
        {
            return null;
        }

        var silos = await GetSilosAsync(cancellationToken);
        return silos.FirstOrDefault(s => s.Address == address.Silo.ToString() && s.Status == SiloStatusText.Active);
    }

    public async Task<IReadOnlyList<SiloDescription>> GetSilosAsync(CancellationToken cancellationToken)
    {
        var snapshot = await membership.ReadAllAsync(cancellationToken);
        var counts = await directory.CountBySiloAsync(cancellationToken);
        return
        [
            .. snapshot.Entries
                .Where(e => e.Status != SiloStatus.Dead)
                .OrderBy(e => e.StartedAt)
                .Select(e => new SiloDescription(
                    e.Address.ToString(),
                    e.SiloName,
                    e.PublicUrl,
                    SiloStatusText.ToText(e.Status),
                    counts.GetValueOrDefault(e.Address),
                    e.StartedAt)),
        ];
    }

    private GrainId GrainIdOf<TGrainInterface>(string key) => new(registry.GetByInterface(typeof(TGrainInterface)).Name, key);
}
