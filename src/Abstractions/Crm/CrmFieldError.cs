namespace OrleansTenants.Abstractions.Crm;

/// <summary>
/// One problem with a request. <see cref="Field"/> is a field's JSON name, a query parameter's name,
/// <c>Idempotency-Key</c>, or <c>$</c> for the body as a whole. Names a client made up (unknown fields) are
/// shortened and stripped of control characters; values the client sent are never repeated.
/// </summary>
public sealed record CrmFieldError(string Field, string Reason)
{
    /// <summary>The key used for problems with the body as a whole.</summary>
    public const string Body = "$";
}
