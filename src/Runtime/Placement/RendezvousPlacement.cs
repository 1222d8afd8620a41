using System.Text;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Placement;

/// <summary>
/// Highest-random-weight hashing over the active silos: every process with the same view picks the same
/// silo, and a silo joining or leaving moves only the grains it wins or held.
/// </summary>
internal sealed class RendezvousPlacement : IPlacementDirector
{
    public SiloAddress? Place(GrainId grainId, MembershipView view)
    {
        SiloAddress? best = null;
        ulong bestWeight = 0;
        var grainHash = Fnv1a(grainId.ToString(), 14695981039346656037UL);
        foreach (var silo in view.ActiveSilos)
        {
            var weight = Mix(Fnv1a(silo.ToString(), grainHash));
            if (best is null || weight > bestWeight)
            {
                best = silo;
                bestWeight = weight;
            }
        }

        return best;
    }

    // FNV-1a is stable across processes, unlike string.GetHashCode; the mix spreads its low-entropy output.
    private static ulong Fnv1a(string value, ulong seed)
    {
        var hash = seed;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return hash;
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9UL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
