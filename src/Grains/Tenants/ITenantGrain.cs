using System.Text.Json;
using OrleansTenants.Runtime;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// One per tenant in the whole cluster: holds the tenant's decrypted connection settings, its pooled client
/// and its API-key hashes while active. Every call presents the SHA-256 of the caller's API key.
/// Queries interleave (bounded by the tenant's concurrency limit); deactivation is exclusive.
/// </summary>
[GrainType("tenant")]
public interface ITenantGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    [Idempotent]
    Task<TenantResult> ListAsync(byte[] keyHash, string resource, Dictionary<string, string?> query, CancellationToken cancellationToken);

    [AlwaysInterleave]
    [Idempotent]
    Task<TenantResult> GetAsync(byte[] keyHash, string resource, Guid id, CancellationToken cancellationToken);

    [AlwaysInterleave]
    Task<TenantResult> CreateAsync(byte[] keyHash, string resource, JsonElement body, string? idempotencyKey, CancellationToken cancellationToken);

    [AlwaysInterleave]
    Task<TenantResult> PatchAsync(byte[] keyHash, string resource, Guid id, JsonElement patch, CancellationToken cancellationToken);

    [AlwaysInterleave]
    Task<TenantResult> DeleteAsync(byte[] keyHash, string resource, Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a pending move of this tenant (see <see cref="Moves.TenantMoveCatalog"/>): exclusive, so the tenant's calls
    /// wait for the copy and the cut-over and are then served from the new database. Returns the move as it ended.
    /// </summary>
    Task<Moves.TenantMove?> MoveAsync(Guid moveId, CancellationToken cancellationToken);

    /// <summary>For admins: can this tenant's database be reached and queried, and is row-level security on.</summary>
    [AlwaysInterleave]
    [Idempotent]
    Task<TenantHealth> CheckHealthAsync(CancellationToken cancellationToken);
}
