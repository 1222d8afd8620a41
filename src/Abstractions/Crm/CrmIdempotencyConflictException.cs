namespace OrleansTenants.Abstractions.Crm;

/// <summary>
/// The Idempotency-Key was used before with a different request (another body or another resource), or the
/// first request with it has not finished (HTTP 422). Nothing was written.
/// </summary>
public sealed class CrmIdempotencyConflictException : Exception
{
    public CrmIdempotencyConflictException()
        : this("The Idempotency-Key was already used with a different request.")
    {
    }

    public CrmIdempotencyConflictException(string message)
        : base(message)
    {
    }

    public CrmIdempotencyConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The resource of this request (the URL's), when known.</summary>
    public string? Resource { get; init; }
}
