using System.Collections.Concurrent;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Placement;

/// <summary>
/// Where to send a call: the cached owner when it is still an active silo, else the placement choice. The
/// cache learns from answers (the silo that served, or the owner named by a "not here") and forgets on
/// failures, so callers need no directory round trip on the hot path.
/// </summary>
internal sealed class GrainLocator(IMembershipView membership, IPlacementDirector placement, RuntimeCounters counters)
{
    private readonly ConcurrentDictionary<GrainId, SiloAddress> _cache = new();

    public SiloAddress? Locate(GrainId grainId)
    {
        var view = membership.Current;
        if (_cache.TryGetValue(grainId, out var cached))
        {
            if (view.IsActive(cached))
            {
                counters.DirectoryCacheHit();
                return cached;
            }

            _cache.TryRemove(new KeyValuePair<GrainId, SiloAddress>(grainId, cached));
        }

        counters.DirectoryCacheMiss();
        return placement.Place(grainId, view);
    }

    public void Remember(GrainId grainId, SiloAddress owner) => _cache[grainId] = owner;

    public void Forget(GrainId grainId) => _cache.TryRemove(grainId, out _);
}
