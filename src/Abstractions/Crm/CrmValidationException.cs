namespace OrleansTenants.Abstractions.Crm;

/// <summary>
/// The request is invalid (HTTP 400): an unknown or read-only field, a wrong type, a missing required field, a
/// value out of range, a bad list parameter or cursor, or a reference to a row that does not exist in this
/// tenant. Thrown before any SQL, or after a statement failed (then the caller's transaction is aborted and
/// must be rolled back). The message is built from <see cref="Errors"/> and carries no SQL and no client value.
/// </summary>
public sealed class CrmValidationException : Exception
{
    public CrmValidationException()
        : this(null, [new CrmFieldError(CrmFieldError.Body, "the request is invalid")])
    {
    }

    public CrmValidationException(string message)
        : base(message)
    {
        Errors = [new CrmFieldError(CrmFieldError.Body, message)];
    }

    public CrmValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new CrmFieldError(CrmFieldError.Body, message)];
    }

    public CrmValidationException(string? resource, IReadOnlyList<CrmFieldError> errors)
        : base(Describe(resource, errors))
    {
        Resource = resource;
        Errors = errors;
    }

    /// <summary>The resource name (as in the URL), when known.</summary>
    public string? Resource { get; }

    /// <summary>Every problem found, at least one; a field may appear more than once.</summary>
    public IReadOnlyList<CrmFieldError> Errors { get; }

    /// <summary>The problems grouped by field, the shape of a problem+json <c>errors</c> member.</summary>
    public IReadOnlyDictionary<string, string[]> ToErrorMap() =>
        Errors.GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Reason).ToArray(), StringComparer.Ordinal);

    private static string Describe(string? resource, IReadOnlyList<CrmFieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var prefix = resource is null ? "Invalid request" : $"Invalid {resource} request";
        return $"{prefix}: {string.Join("; ", errors.Select(e => $"{e.Field}: {e.Reason}"))}";
    }
}
