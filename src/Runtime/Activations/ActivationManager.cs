using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Runtime.Invocation;

namespace OrleansTenants.Runtime.Activations;

/// <summary>
/// The silo's activations (what Orleans calls the catalog): creates one on first call after winning the
/// directory registration, deactivates on request, when idle past the collection age, and at shutdown.
/// Every lifecycle step is bounded (<see cref="SiloOptions.LifecycleTimeout"/>, <see cref="SiloOptions.DeactivationDrainTimeout"/>),
/// and a deactivation always completes its bookkeeping, whatever the grain's code does.
/// </summary>
internal sealed partial class ActivationManager(
    IGrainDirectory directory,
    LocalSilo silo,
    IServiceProvider services,
    TimeProvider time,
    IOptions<SiloOptions> options,
    RuntimeCounters counters,
    ILogger<ActivationManager> logger)
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly ActivationCollector _collector = new(options.Value.CollectionQuantum);
    private readonly SiloOptions _options = options.Value;

    public int Count => _activations.Count;

    /// <summary>
    /// The activation to deliver a call to: the current one, or a new one being activated. Throws
    /// <see cref="NotServingException"/> when this silo does not serve, before the call started.
    /// </summary>
    public async ValueTask<ActivationData> GetOrActivateAsync(GrainId grainId, GrainType grainType, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_activations.TryGetValue(grainId, out var existing))
            {
                if (existing.State is ActivationState.Activating or ActivationState.Valid)
                {
                    ThrowIfNotServing();
                    return existing;
                }

                // Guarantee 4: a call that meets a deactivation waits for it, then goes to the next activation (on
                // another silo when this one stopped serving meanwhile, which the check below finds).
                await existing.Deactivated.WaitAsync(cancellationToken);
                continue;
            }

            ThrowIfNotServing();
            var address = new GrainAddress(grainId, silo.Address, Guid.NewGuid());
            var activation = new ActivationData(address, grainType, services.GetRequiredService<IGrainFactory>(), time.GetTimestamp(), RequestDeactivationOnIdle);
            if (_activations.TryAdd(grainId, activation))
            {
                activation.Gate.Idle += () => OnIdle(activation);
                _ = ActivateAsync(activation);
                return activation;
            }
        }
    }

    /// <summary>Deactivates the grain's activation here, if any, and returns once it is gone.</summary>
    public async Task<bool> DeactivateAsync(GrainId grainId, DeactivationReason reason)
    {
        if (!_activations.TryGetValue(grainId, out var activation))
        {
            return false;
        }

        await DeactivateAsync(activation, reason);
        return true;
    }

    /// <summary>
    /// Deactivates every activation, also any that began activating meanwhile (they fail, as the silo no longer
    /// serves), until none is left or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task DeactivateAllAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        while (!_activations.IsEmpty)
        {
            await Task.WhenAll(_activations.Values.Select(a => DeactivateAsync(a, reason))).WaitAsync(cancellationToken);
        }
    }

    /// <summary>One collector pass: deactivates the activations that have been idle for the collection age.</summary>
    public async Task<int> CollectIdleAsync()
    {
        var now = time.GetUtcNow();
        var collected = new List<Task>();
        foreach (var activation in _collector.TakeDue(now))
        {
            if (activation.State != ActivationState.Valid)
            {
                continue;
            }

            var idleFor = time.GetElapsedTime(activation.LastUsed);
            if (activation.Gate.Running == 0 && idleFor >= _options.CollectionAge)
            {
                collected.Add(DeactivateAsync(activation, DeactivationReason.IdleCollection));
            }
            else
            {
                // Not idle long enough (the buckets follow the wall clock, which may have jumped) or still in use:
                // file it again, or nothing would ever collect it.
                _collector.Schedule(activation, now + (idleFor < _options.CollectionAge ? _options.CollectionAge - idleFor : _options.CollectionAge));
            }
        }

        await Task.WhenAll(collected);
        return collected.Count;
    }

    private void OnIdle(ActivationData activation)
    {
        activation.LastUsed = time.GetTimestamp();
        if (activation.DeactivateOnIdleRequested)
        {
            _ = DeactivateAsync(activation, DeactivationReason.ApplicationRequested);
            return;
        }

        _collector.Schedule(activation, time.GetUtcNow() + _options.CollectionAge);
    }

    private void RequestDeactivationOnIdle(ActivationData activation)
    {
        if (activation.Gate.Running == 0)
        {
            _ = DeactivateAsync(activation, DeactivationReason.ApplicationRequested);
        }
    }

    private void ThrowIfNotServing()
    {
        if (!silo.IsServing)
        {
            throw new NotServingException("This silo is not serving calls (not joined yet, fenced, or stopping).");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activation of {GrainId} failed")]
    private partial void LogActivationFailed(GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{GrainId} still ran {Running} call(s) after {Timeout}: deactivating it anyway")]
    private partial void LogDrainTimedOut(GrainId grainId, int running, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OnDeactivateAsync of {GrainId} failed")]
    private partial void LogDeactivationFailed(GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disposing {GrainId} failed")]
    private partial void LogDisposeFailed(GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove {GrainId} from the grain directory")]
    private partial void LogUnregisterFailed(GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deactivated {GrainId} ({Reason})")]
    private partial void LogDeactivated(GrainId grainId, DeactivationReason reason);
}
