namespace OrleansTenants.Runtime.Messaging;

/// <summary>Recreates a remote grain's exception as its own type when this process knows it, else as a <see cref="GrainException"/>.</summary>
internal static class GrainExceptionFactory
{
    public static Exception Recreate(GrainCallError error)
    {
        var type = Type.GetType(error.Type, throwOnError: false);
        if (type is not null && typeof(Exception).IsAssignableFrom(type) && type.GetConstructor([typeof(string)]) is { } constructor)
        {
            return (Exception)constructor.Invoke([error.Message]);
        }

        return new GrainException($"{error.Type}: {error.Message}");
    }
}
