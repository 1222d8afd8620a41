using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Placement;

/// <summary>Activates a grain on the silo where its first call starts; clients, and silos inactive or not serving (fenced, stopping), fall back to rendezvous.</summary>
internal sealed class PreferLocalPlacement(LocalSilo silo, RendezvousPlacement fallback) : IPlacementDirector
{
    public SiloAddress? Place(GrainId grainId, MembershipView view) =>
        silo.IsStarted && silo.IsServing && view.IsActive(silo.Address) ? silo.Address : fallback.Place(grainId, view);
}
