using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Placement;

/// <summary>Chooses the silo a grain without a known activation should be activated on.</summary>
internal interface IPlacementDirector
{
    /// <summary>The chosen silo, or null when no silo is active.</summary>
    SiloAddress? Place(GrainId grainId, MembershipView view);
}
