using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Directory;

/// <summary>
/// The cluster-wide map from grain to its one activation. First writer wins; an entry is removed only by
/// the activation it names; an entry naming a silo that is no longer active is replaced by the next
/// registration in the same statement.
/// </summary>
public interface IGrainDirectory
{
    /// <summary>
    /// Registers <paramref name="address"/> unless a live activation is registered; returns the registered one (ours or the
    /// winner). Throws <see cref="SiloUnavailableException"/> when the registering silo is not an active member.
    /// </summary>
    Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken);

    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>Removes the entry only if it still names this activation; false when it did not.</summary>
    Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken);

    /// <summary>Removes every entry of a silo (one declared dead, or one that stopped); returns how many.</summary>
    Task<int> UnregisterSiloAsync(SiloAddress silo, CancellationToken cancellationToken);

    /// <summary>How many entries name each silo: the cluster view's activation counts.</summary>
    Task<IReadOnlyDictionary<SiloAddress, int>> CountBySiloAsync(CancellationToken cancellationToken);
}
