namespace OrleansTenants.Abstractions.Administration;

/// <summary>An admin request that clashes with what exists (a tenant id taken). Maps to 409.</summary>
public sealed class AdminConflictException : Exception
{
    public AdminConflictException()
    {
    }

    public AdminConflictException(string message)
        : base(message)
    {
    }

    public AdminConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
