using System.Collections.Concurrent;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Placement;

/// <summary>
/// Where to send a call: the cached owner when it is still an active silo, else the placement choice. The
/// cache learns from answers (the silo that served, or the owner named by a "not here") and forgets on
/// failures, so callers need no directory round trip on the hot path. It stays bounded: each membership change
/// drops the entries of silos no longer active, and at <paramref name="maxEntries"/> it starts over.
/// </summary>
internal sealed class GrainLocator(IMembershipView membership, IPlacementDirector placement, RuntimeCounters counters, int maxEntries = 100_000)
{
    private readonly ConcurrentDictionary<GrainId, SiloAddress> _cache = new();
    private long _prunedVersion = -1;

    public int Count => _cache.Count;

    public SiloAddress? Locate(GrainId grainId)
    {
        var view = membership.Current;
        PruneFor(view);
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

    public void Remember(GrainId grainId, SiloAddress owner)
    {
        // A miss costs one placement and at worst one forwarded hop, so dropping everything is a fair price for a bound.
        if (_cache.Count >= maxEntries)
        {
            _cache.Clear();
        }

        _cache[grainId] = owner;
    }

    public void Forget(GrainId grainId) => _cache.TryRemove(grainId, out _);

    /// <summary>Once per membership version: entries naming silos that left would otherwise stay until their grain is called again.</summary>
    private void PruneFor(MembershipView view)
    {
        var pruned = Interlocked.Read(ref _prunedVersion);
        if (view.Version <= pruned || Interlocked.CompareExchange(ref _prunedVersion, view.Version, pruned) != pruned)
        {
            return;
        }

        foreach (var (grainId, silo) in _cache)
        {
            if (!view.IsActive(silo))
            {
                _cache.TryRemove(new KeyValuePair<GrainId, SiloAddress>(grainId, silo));
            }
        }
    }
}
