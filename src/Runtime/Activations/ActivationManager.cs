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

    public IEnumerable<ActivationData> All => _activations.Values;

    /// <summary>The activation to deliver a call to: the current one, or a new one being activated.</summary>
    public async ValueTask<ActivationData> GetOrActivateAsync(GrainId grainId, GrainType grainType, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_activations.TryGetValue(grainId, out var existing))
            {
                if (existing.State is ActivationState.Activating or ActivationState.Valid)
                {
                    return existing;
                }

                // Guarantee 4: a call that meets a deactivation waits for it, then goes to the next activation.
                await existing.Deactivated.WaitAsync(cancellationToken);
                continue;
            }

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

    public bool TryGet(GrainId grainId, out ActivationData activation) => _activations.TryGetValue(grainId, out activation!);

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

    public Task DeactivateAllAsync(DeactivationReason reason) =>
        Task.WhenAll(_activations.Values.Select(a => DeactivateAsync(a, reason)));

    /// <summary>One collector pass: deactivates the activations that have been idle for the collection age.</summary>
    public async Task<int> CollectIdleAsync()
    {
        var now = time.GetUtcNow();
        var collected = new List<Task>();
        foreach (var activation in _collector.TakeDue(now))
        {
            var idleFor = time.GetElapsedTime(activation.LastUsed);
            if (activation.State == ActivationState.Valid && activation.Gate.Running == 0 && idleFor >= _options.CollectionAge)
            {
                collected.Add(DeactivateAsync(activation, DeactivationReason.IdleCollection));
            }
        }

        await Task.WhenAll(collected);
        return collected.Count;
    }

    private async Task ActivateAsync(ActivationData activation)
    {
        try
        {
            var winner = await RegisterAsync(activation.Address);
            if (winner.ActivationId != activation.Address.ActivationId)
            {
                _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
                activation.FailActivation(new NotHereException(winner));
                return;
            }

            var grain = (Grain)ActivatorUtilities.CreateInstance(services, activation.GrainType.ClassType);
            grain.Attach(activation);
            using var timeout = new CancellationTokenSource(_options.LifecycleTimeout);
            await grain.OnActivateAsync(timeout.Token);
            activation.MarkValid(grain);
            counters.ActivationCreated();
            _collector.Schedule(activation, time.GetUtcNow() + _options.CollectionAge);
        }
        catch (Exception ex)
        {
            LogActivationFailed(activation.GrainId, ex);
            _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
            await UnregisterQuietlyAsync(activation.Address);
            activation.FailActivation(ex);
        }
    }

    /// <summary>
    /// Registers in the directory. An entry that names this very silo but no activation it has is left over
    /// from an activation whose unregistration failed (the catalog was unreachable); it is cleared and retried.
    /// </summary>
    private async Task<GrainAddress> RegisterAsync(GrainAddress address)
    {
        var winner = await directory.RegisterAsync(address, CancellationToken.None);
        if (winner.ActivationId != address.ActivationId && winner.Silo == address.Silo)
        {
            await directory.UnregisterAsync(winner, CancellationToken.None);
            winner = await directory.RegisterAsync(address, CancellationToken.None);
        }

        return winner;
    }

    private async Task DeactivateAsync(ActivationData activation, DeactivationReason reason)
    {
        if (activation.State == ActivationState.Activating)
        {
            // Deactivating something half-activated would race OnActivateAsync: let it finish first.
            await activation.Activated.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        if (!activation.TryStartDeactivating())
        {
            await activation.Deactivated;
            return;
        }

        await RunDeactivationAsync(activation, reason);
    }

    private async Task RunDeactivationAsync(ActivationData activation, DeactivationReason reason)
    {
        _collector.Remove(activation);
        await activation.Gate.CloseAndDrainAsync();
        try
        {
            using var timeout = new CancellationTokenSource(_options.LifecycleTimeout);
            await activation.Instance.OnDeactivateAsync(reason, timeout.Token);
        }
        catch (Exception ex)
        {
            LogDeactivationFailed(activation.GrainId, ex);
        }

        await DisposeQuietlyAsync(activation.Instance);

        // A silo declared dead has lost its entries already (the new owner's must not be touched); a silo
        // shutting down removes all of its entries in one statement once every activation is done.
        if (reason is not (DeactivationReason.SiloDeclaredDead or DeactivationReason.SiloShutdown))
        {
            await UnregisterQuietlyAsync(activation.Address);
        }

        _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
        counters.ActivationRemoved(reason == DeactivationReason.IdleCollection);
        LogDeactivated(activation.GrainId, reason);
        activation.MarkInvalid();
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

    private async Task UnregisterQuietlyAsync(GrainAddress address)
    {
        try
        {
            await directory.UnregisterAsync(address, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The entry names this silo; RegisterAsync above clears it on the grain's next activation here,
            // and the conditional replace clears it if this silo dies.
            LogUnregisterFailed(address.GrainId, ex);
        }
    }

    private static async ValueTask DisposeQuietlyAsync(Grain grain)
    {
        switch (grain)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activation of {GrainId} failed")]
    private partial void LogActivationFailed(GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OnDeactivateAsync of {GrainId} failed")]
    private partial void LogDeactivationFailed(GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove {GrainId} from the grain directory")]
    private partial void LogUnregisterFailed(GrainId grainId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deactivated {GrainId} ({Reason})")]
    private partial void LogDeactivated(GrainId grainId, DeactivationReason reason);
}
