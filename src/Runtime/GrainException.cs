namespace OrleansTenants.Runtime;

/// <summary>
/// A grain call failed with an exception that could not be recreated on the caller's side (its message names
/// the original type), or the silo rejected the call as malformed. Exceptions whose type the caller knows arrive as that type.
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
}
