namespace OrleansTenants.Runtime;

/// <summary>
/// A grain method threw an exception that could not be recreated on the caller's side; it keeps the
/// original type name and message. Exceptions whose type the caller knows arrive as that type.
/// </summary>
public sealed class GrainException : Exception
{
    public GrainException()
    {
    }

    public GrainException(string message)
        : base(message)
    {
    }

    public GrainException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GrainException(string originalType, string message)
        : base(message)
    {
        OriginalType = originalType;
    }

    /// <summary>Full name of the exception type the grain threw.</summary>
    public string? OriginalType { get; }
}
