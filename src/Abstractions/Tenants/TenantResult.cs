namespace OrleansTenants.Abstractions.Tenants;

/// <summary>What a tenant call came to; the HTTP layer maps each to a status code.</summary>
[GenerateSerializer]
[Alias("OrleansTenants.TenantOutcome")]
public enum TenantOutcome
{
    Ok,
    Created,
    Deleted,
    NotFound,
    Unauthorized,
    Suspended,
    Invalid,
    Conflict,
    IdempotencyMismatch,
    DatabaseUnavailable,
    TooManyRequests,
}

/// <summary>
/// A tenant call's answer. <see cref="Json"/> is the response body as UTF-8 JSON, produced straight from the
/// database reader, so the API writes it without re-serializing. Never changed once made, so Orleans passes it
/// between grains and callers on one silo without copying.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("OrleansTenants.TenantResult")]
public sealed record TenantResult(
    TenantOutcome Outcome,
    byte[]? Json = null,
    Guid? Id = null,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    int? RetryAfterSeconds = null,
    bool Replayed = false);

/// <summary>The admin health check of a tenant's database.</summary>
[GenerateSerializer]
[Immutable]
[Alias("OrleansTenants.TenantHealth")]
public sealed record TenantHealth(bool CanConnect, bool CanQuery, bool RlsEnabled, double ResponseTimeMs, string? Error);
