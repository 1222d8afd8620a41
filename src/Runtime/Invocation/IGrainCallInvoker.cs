using OrleansTenants.Runtime.Directory;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>Delivers a call from a grain reference to wherever the grain's activation is or will be.</summary>
internal interface IGrainCallInvoker
{
    Task<object?> InvokeAsync(GrainId grainId, GrainType grainType, GrainMethod method, object?[] arguments, CancellationToken cancellationToken);
}
