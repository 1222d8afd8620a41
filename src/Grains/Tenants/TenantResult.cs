namespace OrleansTenants.Grains.Tenants;

/// <summary>What a tenant call came to; the HTTP layer maps each to a status code.</summary>
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
/// database reader, so the API writes it without re-serializing.
/// </summary>
public sealed record TenantResult(
    TenantOutcome Outcome,
    byte[]? Json = null,
    Guid? Id = null,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    int? RetryAfterSeconds = null,
    bool Replayed = false);

/// <summary>The admin health check of a tenant's database.</summary>
public sealed record TenantHealth(bool CanConnect, bool CanQuery, bool RlsEnabled, double ResponseTimeMs, string? Error);
