namespace OrleansTenants.Runtime.Membership;

/// <summary>The current membership as seen by this process, silo or client.</summary>
internal interface IMembershipView
{
    MembershipView Current { get; }

    /// <summary>Asks for a fresh read soon (a call found a silo gone) and completes when a newer view arrives or the wait ends.</summary>
    Task RefreshAsync(TimeSpan maxWait, CancellationToken cancellationToken);
}
