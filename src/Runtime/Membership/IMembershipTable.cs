namespace OrleansTenants.Runtime.Membership;

/// <summary>
/// Where silos find each other. Every membership change (join, status change) is a compare-and-swap on the
/// table version, so of two concurrent writers that read the same version exactly one succeeds.
/// Heartbeats are not membership changes and do not move the version.
/// </summary>
public interface IMembershipTable
{
    Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Adds a member if the table is still at <paramref name="expectedVersion"/> and the address is new; false otherwise.</summary>
    Task<bool> InsertRowAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Writes status and public URL if the row is still at <paramref name="expectedETag"/> and the table at <paramref name="expectedVersion"/>; false otherwise.</summary>
    Task<bool> UpdateRowAsync(MembershipEntry entry, long expectedETag, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the member dead if the row is still at the entry's ETag, the table at <paramref name="expectedVersion"/>, and its
    /// heartbeat, by the database's clock, still older than <paramref name="deathTimeout"/>; false otherwise.
    /// </summary>
    Task<bool> DeclareDeadAsync(MembershipEntry entry, long expectedVersion, TimeSpan deathTimeout, CancellationToken cancellationToken);

    /// <summary>Stamps the member's heartbeat with the database's clock; false when the member is dead or gone.</summary>
    Task<bool> UpdateHeartbeatAsync(SiloAddress address, CancellationToken cancellationToken);

    /// <summary>Deletes dead members whose last heartbeat is older than <paramref name="olderThan"/>; returns how many.</summary>
    Task<int> CleanupDefunctEntriesAsync(TimeSpan olderThan, CancellationToken cancellationToken);
}
