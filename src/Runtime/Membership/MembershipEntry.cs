namespace OrleansTenants.Runtime.Membership;

/// <summary>One row of the membership table.</summary>
/// <param name="HeartbeatAge">How old the heartbeat was when read, measured by the database clock so silo clocks need not agree.</param>
/// <param name="ETag">Row version: an update names the one it read, so two writers of one row cannot both win.</param>
public sealed record MembershipEntry(
    SiloAddress Address,
    SiloStatus Status,
    string SiloName,
    string? PublicUrl,
    DateTimeOffset StartedAt,
    DateTimeOffset HeartbeatAt,
    TimeSpan HeartbeatAge,
    long ETag);

/// <summary>The whole table as read at one moment, with the table version that changes on every membership change.</summary>
public sealed record MembershipSnapshot(long Version, IReadOnlyList<MembershipEntry> Entries);
