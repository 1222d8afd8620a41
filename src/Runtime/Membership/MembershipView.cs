namespace OrleansTenants.Runtime.Membership;

/// <summary>An immutable reading of the membership table, as this process last saw it.</summary>
public sealed class MembershipView
{
    public static readonly MembershipView Empty = new(new MembershipSnapshot(-1, []));

    private readonly HashSet<SiloAddress> _active;

    public MembershipView(MembershipSnapshot snapshot)
    {
        Version = snapshot.Version;
        Entries = snapshot.Entries;
        ActiveSilos = [.. snapshot.Entries.Where(e => e.Status == SiloStatus.Active).Select(e => e.Address).OrderBy(a => a.ToString(), StringComparer.Ordinal)];
        _active = [.. ActiveSilos];
    }

    public long Version { get; }

    public IReadOnlyList<MembershipEntry> Entries { get; }

    /// <summary>The silos that take new activations, in a stable order.</summary>
    public IReadOnlyList<SiloAddress> ActiveSilos { get; }

    public bool IsActive(SiloAddress silo) => _active.Contains(silo);
}
