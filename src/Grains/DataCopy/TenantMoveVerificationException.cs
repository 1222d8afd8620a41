using OrleansTenants.Abstractions.Moves;
namespace OrleansTenants.Grains.DataCopy;

/// <summary>The target of a move does not hold exactly the tenant's rows of the source: the move must not cut over.</summary>
public sealed class TenantMoveVerificationException : Exception
{
    public TenantMoveVerificationException()
    {
        Verification = [];
    }

    public TenantMoveVerificationException(string message)
        : base(message)
    {
        Verification = [];
    }

    public TenantMoveVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Verification = [];
    }

    public TenantMoveVerificationException(IReadOnlyList<TableVerification> verification)
        : base("verification failed: " + string.Join("; ", verification.Where(t => !t.Matches).Select(t =>
            t.SourceRows == t.TargetRows
                ? $"{t.Table}: {t.SourceRows} rows on both sides but their contents differ"
                : $"{t.Table}: {t.SourceRows} rows on the source, {t.TargetRows} on the target")))
    {
        Verification = verification;
    }

    public IReadOnlyList<TableVerification> Verification { get; }
}
