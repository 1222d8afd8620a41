namespace OrleansTenants.Runtime;

/// <summary>
/// A silo refused a request because it did not carry this cluster's secret, or this process could not find the
/// secret to present. Retrying cannot help: every silo and cluster client must use the same secret.
/// </summary>
public sealed class ClusterAuthenticationException : Exception
{
    public ClusterAuthenticationException()
    {
    }

    public ClusterAuthenticationException(string message)
        : base(message)
    {
    }

    public ClusterAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
