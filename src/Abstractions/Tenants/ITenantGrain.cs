using OrleansTenants.Abstractions.Moves;

namespace OrleansTenants.Abstractions.Tenants;

/// <summary>
/// One per tenant in the whole cluster: holds the tenant's decrypted connection settings, its pooled client
/// and its API-key hashes while active. Every CRM call presents the SHA-256 of the caller's API key; request
/// bodies cross as the client's UTF-8 JSON. CRM calls run concurrently (bounded by the tenant's limit); a move
/// waits for them and holds them off until its cut-over is done.
/// </summary>
[Alias("OrleansTenants.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    [Alias("List")]
    Task<TenantResult> ListAsync(byte[] keyHash, string resource, Dictionary<string, string?> query, CancellationToken cancellationToken);

    [Alias("Get")]
    Task<TenantResult> GetAsync(byte[] keyHash, string resource, Guid id, CancellationToken cancellationToken);

    [Alias("Create")]
    Task<TenantResult> CreateAsync(byte[] keyHash, string resource, byte[] body, string? idempotencyKey, CancellationToken cancellationToken);

    [Alias("Patch")]
    Task<TenantResult> PatchAsync(byte[] keyHash, string resource, Guid id, byte[] patch, CancellationToken cancellationToken);

    [Alias("Delete")]
    Task<TenantResult> DeleteAsync(byte[] keyHash, string resource, Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the tenant's move <paramref name="moveId"/> (see <see cref="TenantMoveCatalog"/>) if it is still to be done,
    /// and returns the move as it ended. Exclusive: the tenant's calls wait for the copy and the cut-over and are then
    /// served from the new database. Not bound by the usual call timeout: a copy may take minutes.
    /// </summary>
    [Alias("Move")]
    [ResponseTimeout("00:35:00")]
    Task<TenantMove?> MoveAsync(Guid moveId, CancellationToken cancellationToken);

    /// <summary>
    /// The cut-over of an online move whose target has caught up: pauses the tenant's writes (reads go on), waits until
    /// the target has applied everything written before, verifies, switches the catalog, resumes on the target.
    /// Answers the move as it then is: completed, failed (verification), or still running (the target did not catch
    /// up in time; nothing changed, ask again later). Repeating it after a completed cut-over answers the completed move.
    /// </summary>
    [Alias("CutOver")]
    [ResponseTimeout("00:01:00")]
    Task<TenantMove?> CutOverAsync(Guid moveId, CancellationToken cancellationToken);

    /// <summary>For admins: can this tenant's database be reached and queried, and is row-level security on.</summary>
    [Alias("CheckHealth")]
    Task<TenantHealth> CheckHealthAsync(CancellationToken cancellationToken);
}
