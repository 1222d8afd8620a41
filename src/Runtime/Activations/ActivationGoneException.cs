namespace OrleansTenants.Runtime.Activations;

/// <summary>The activation was deactivating before the call started; the dispatcher delivers it to the next activation.</summary>
internal sealed class ActivationGoneException : Exception
{
    public ActivationGoneException()
        : base("The activation deactivated before the call started.")
    {
    }

    public ActivationGoneException(string message)
        : base(message)
    {
    }

    public ActivationGoneException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
