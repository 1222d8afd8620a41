namespace OrleansTenants.Abstractions.Moves;

/// <summary>
/// The job of one tenant move (keyed by the move's id): its state is kept in Orleans grain storage and a reminder
/// wakes it on a live silo if its own silo dies, so an accepted move is always carried to an end.
/// </summary>
[Alias("OrleansTenants.ITenantMoveGrain")]
public interface ITenantMoveGrain : IGrainWithGuidKey
{
    /// <summary>Records the job of a move the catalog has as pending, and starts it; returns without waiting for it.</summary>
    [Alias("Start")]
    Task StartAsync(string tenantId);

    /// <summary>The job as its grain storage holds it.</summary>
    [Alias("GetJob")]
    Task<TenantMoveJob> GetJobAsync();
}
