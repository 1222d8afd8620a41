using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Directory;

/// <summary>Where one activation of a grain lives.</summary>
public sealed record GrainAddress(GrainId GrainId, SiloAddress Silo, Guid ActivationId);
