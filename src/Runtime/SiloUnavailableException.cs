namespace OrleansTenants.Runtime;

/// <summary>
/// No silo could take the call before its deadline: the owning silo stopped or died and no live silo was
/// found in time, or the connection broke mid-call for a method that is not idempotent.
/// </summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException()
    {
    }

    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    public SiloUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
