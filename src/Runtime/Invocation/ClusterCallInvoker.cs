using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.Runtime.Messaging;
using OrleansTenants.Runtime.Placement;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>
/// Sends each call straight to the silo that owns (or will own) the grain: locally without serialization
/// when that is this silo, else over HTTP/2. Follows "not here" answers, and retries a call whose silo is
/// gone only when it is safe: the call never started, or the method is idempotent.
/// </summary>
internal sealed class ClusterCallInvoker(
    GrainLocator locator,
    IMembershipView membership,
    SiloTransportClient transport,
    GrainSerializer serializer,
    RuntimeCounters counters,
    IOptions<SiloOptions> options,
    LocalSilo? localSilo = null,
    LocalDispatcher? localDispatcher = null) : IGrainCallInvoker
{
    private static readonly TimeSpan RetryWait = TimeSpan.FromMilliseconds(500);
    private readonly SiloOptions _options = options.Value;

    public async Task<object?> InvokeAsync(GrainId grainId, GrainType grainType, GrainMethod method, object?[] arguments, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.CallTimeout);
        var token = deadline.Token;
        var hops = 0;
        try
        {
            while (true)
            {
                var target = locator.Locate(grainId);
                if (target is null)
                {
                    await membership.RefreshAsync(RetryWait, token);
                    continue;
                }

                if (localDispatcher is not null && localSilo!.IsStarted && target == localSilo.Address)
                {
                    try
                    {
                        return await localDispatcher.DispatchAsync(grainId, grainType, method, arguments, token);
                    }
                    catch (NotHereException notHere)
                    {
                        Follow(grainId, notHere.Owner.Silo, ref hops);
                        await RefreshIfUnknownAsync(notHere.Owner.Silo, token);
                    }
                    catch (NotServingException)
                    {
                        locator.Forget(grainId);
                        await membership.RefreshAsync(RetryWait, token);
                    }

                    continue;
                }

                var body = GrainCallRequest.Write(serializer, grainId, method, arguments);
                var outcome = await transport.CallAsync(target, body, token);
                switch (outcome.Kind)
                {
                    case TransportOutcomeKind.Ok:
                        locator.Remember(grainId, outcome.Silo!);
                        return method.ResultType is null || outcome.Body is not { Length: > 0 }
                            ? null
                            : JsonSerializer.Deserialize(outcome.Body, serializer.Options.GetTypeInfo(method.ResultType));
                    case TransportOutcomeKind.Failed:
                        throw GrainExceptionFactory.Recreate(outcome.Error!);
                    case TransportOutcomeKind.Refused:
                        throw new ClusterAuthenticationException($"Silo {target} refused the call to {grainId}.{method.Name}. {outcome.Error!.Message}");
                    case TransportOutcomeKind.NotHere:
                        Follow(grainId, outcome.Silo!, ref hops);
                        await RefreshIfUnknownAsync(outcome.Silo!, token);
                        break;
                    case TransportOutcomeKind.Broken when !method.Idempotent:
                        locator.Forget(grainId);
                        throw new SiloUnavailableException(
                            $"The connection to silo {target} broke during a call to {grainId}.{method.Name}; it is not idempotent, so it was not retried.");
                    default:
                        // Unreachable, not serving, or broken during an idempotent call: try where membership says next.
                        locator.Forget(grainId);
                        await membership.RefreshAsync(RetryWait, token);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Only the deadline firing is a timeout; a grain's own cancellation reaches the caller as it is.
            throw new TimeoutException($"The call to {grainId}.{method.Name} did not complete within {_options.CallTimeout}.");
        }
    }

    /// <summary>An owner this process does not yet see as active joined after our last read: read again.</summary>
    private Task RefreshIfUnknownAsync(SiloAddress owner, CancellationToken cancellationToken) =>
        membership.Current.IsActive(owner) ? Task.CompletedTask : membership.RefreshAsync(RetryWait, cancellationToken);

    private void Follow(GrainId grainId, SiloAddress owner, ref int hops)
    {
        if (++hops > _options.MaxForwardHops)
        {
            throw new SiloUnavailableException($"The call to {grainId} was redirected more than {_options.MaxForwardHops} times.");
        }

        counters.CallForwarded();
        locator.Remember(grainId, owner);
    }
}
