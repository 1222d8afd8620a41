using System.Diagnostics;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Invocation;

namespace OrleansTenants.Runtime.Activations;

/// <summary>
/// Delivers a call to this silo's activation of the grain, activating it if needed. Throws
/// <see cref="NotHereException"/> when another silo owns the grain and <see cref="NotServingException"/>
/// when this silo does not serve (both before the call started, so the caller may send it elsewhere).
/// </summary>
internal sealed class LocalDispatcher(ActivationManager activations, RuntimeCounters counters)
{
    public async Task<object?> DispatchAsync(GrainId grainId, GrainType grainType, GrainMethod method, object?[] arguments, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            while (true)
            {
                var activation = await activations.GetOrActivateAsync(grainId, grainType, cancellationToken);
                try
                {
                    var result = await activation.InvokeAsync(method, arguments, cancellationToken);
                    failed = false;
                    return result;
                }
                catch (ActivationGoneException)
                {
                    await activation.Deactivated.WaitAsync(cancellationToken);
                }
            }
        }
        finally
        {
            counters.CallCompleted(started, failed);
        }
    }
}
