namespace OrleansTenants.Abstractions.Crm;

/// <summary>
/// A unique key clash (HTTP 409), for example a second invoice with the same number in one tenant. The
/// statement failed, so the caller's transaction is aborted and must be rolled back.
/// </summary>
public sealed class CrmConflictException : Exception
{
    public CrmConflictException()
        : this("the row clashes with an existing one")
    {
    }

    public CrmConflictException(string message)
        : base(message)
    {
        Resource = string.Empty;
        Field = CrmFieldError.Body;
        Reason = message;
    }

    public CrmConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
        Resource = string.Empty;
        Field = CrmFieldError.Body;
        Reason = message;
    }

    public CrmConflictException(string resource, string field, string reason)
        : base($"{resource}.{field}: {reason}")
    {
        Resource = resource;
        Field = field;
        Reason = reason;
    }

    /// <summary>The resource name, for example <c>invoices</c>.</summary>
    public string Resource { get; }

    /// <summary>The field whose value clashes, for example <c>number</c>.</summary>
    public string Field { get; }

    /// <summary>What clashed, in words (no client values).</summary>
    public string Reason { get; }
}
