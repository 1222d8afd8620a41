namespace OrleansTenants.Abstractions.Administration;

/// <summary>An admin request that cannot be carried out as asked; <see cref="Field"/> names the culprit. Maps to 400.</summary>
public sealed class AdminRequestException : Exception
{
    public AdminRequestException()
    {
    }

    public AdminRequestException(string message)
        : base(message)
    {
    }

    public AdminRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AdminRequestException(string field, string reason, Exception? innerException = null)
        : base($"{field}: {reason}", innerException)
    {
        Field = field;
        Reason = reason;
    }

    public string? Field { get; }

    public string? Reason { get; }
}
