using Microsoft.Extensions.DependencyInjection;
using OrleansTenants.Runtime.Directory;

namespace OrleansTenants.Runtime.Activations;

/// <summary>The steps of one activation's life, each bounded, and deactivation's bookkeeping that always completes.</summary>
internal sealed partial class ActivationManager
{
    private async Task ActivateAsync(ActivationData activation)
    {
        Grain? grain = null;
        try
        {
            // A shutdown that began after the caller's check may have enumerated the activations without this one.
            ThrowIfNotServing();
            var winner = activation.Address;
            await RunStepAsync(async t => winner = await RegisterAsync(activation.Address, t), "Directory registration", activation.GrainId);
            if (winner.ActivationId != activation.Address.ActivationId)
            {
                _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
                activation.FailActivation(new NotHereException(winner));
                return;
            }

            grain = (Grain)ActivatorUtilities.CreateInstance(services, activation.GrainType.ClassType);
            grain.Attach(activation);
            await RunStepAsync(grain.OnActivateAsync, nameof(Grain.OnActivateAsync), activation.GrainId);
            activation.MarkValid(grain);
            counters.ActivationCreated();
            _collector.Schedule(activation, time.GetUtcNow() + _options.CollectionAge);
        }
        catch (Exception ex)
        {
            LogActivationFailed(activation.GrainId, ex);
            if (grain is not null)
            {
                // Release what OnActivateAsync acquired before it failed, as at any other end of an activation.
                await EndInstanceAsync(activation.GrainId, grain, DeactivationReason.ActivationFailed);
            }

            _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
            await UnregisterQuietlyAsync(activation.Address);
            // A directory that refused this silo's registration refused the call before it started.
            activation.FailActivation(ex is SiloUnavailableException ? new NotServingException(ex.Message) : ex);
        }
    }

    /// <summary>
    /// Registers in the directory. An entry that names this very silo but no activation it has is left over
    /// from an activation whose unregistration failed (the catalog was unreachable); it is cleared and retried.
    /// </summary>
    private async Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken)
    {
        var winner = await directory.RegisterAsync(address, cancellationToken);
        if (winner.ActivationId != address.ActivationId && winner.Silo == address.Silo)
        {
            await directory.UnregisterAsync(winner, cancellationToken);
            winner = await directory.RegisterAsync(address, cancellationToken);
        }

        return winner;
    }

    private async Task DeactivateAsync(ActivationData activation, DeactivationReason reason)
    {
        if (activation.State == ActivationState.Activating)
        {
            // Deactivating something half-activated would race OnActivateAsync: let it finish first (it is bounded).
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
        try
        {
            await DrainAsync(activation);
            await EndInstanceAsync(activation.GrainId, activation.Instance, reason);
        }
        finally
        {
            // The entry goes as soon as this activation is gone, during a shutdown too, so that calls waiting for it
            // reach the next activation. A silo declared dead has lost its entries already.
            if (reason != DeactivationReason.SiloDeclaredDead)
            {
                await UnregisterQuietlyAsync(activation.Address);
            }

            _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
            counters.ActivationRemoved(reason == DeactivationReason.IdleCollection);
            LogDeactivated(activation.GrainId, reason);
            activation.MarkInvalid();
        }
    }

    private async Task DrainAsync(ActivationData activation)
    {
        try
        {
            await activation.Gate.CloseAndDrainAsync().WaitAsync(_options.DeactivationDrainTimeout, time);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(activation.GrainId, activation.Gate.Running, _options.DeactivationDrainTimeout);
        }
    }

    /// <summary>OnDeactivateAsync, then dispose; each bounded, and a failure of either is logged, never thrown.</summary>
    private async Task EndInstanceAsync(GrainId grainId, Grain grain, DeactivationReason reason)
    {
        try
        {
            await RunStepAsync(t => grain.OnDeactivateAsync(reason, t), nameof(Grain.OnDeactivateAsync), grainId);
        }
        catch (Exception ex)
        {
            LogDeactivationFailed(grainId, ex);
        }

        try
        {
            await RunStepAsync(_ => DisposeAsync(grain), "Dispose", grainId);
        }
        catch (Exception ex)
        {
            LogDisposeFailed(grainId, ex);
        }
    }

    private static Task DisposeAsync(Grain grain)
    {
        switch (grain)
        {
            case IAsyncDisposable asyncDisposable:
                return asyncDisposable.DisposeAsync().AsTask();
            case IDisposable disposable:
                disposable.Dispose();
                return Task.CompletedTask;
            default:
                return Task.CompletedTask;
        }
    }

    private async Task UnregisterQuietlyAsync(GrainAddress address)
    {
        try
        {
            await RunStepAsync(t => directory.UnregisterAsync(address, t), "Directory removal", address.GrainId);
        }
        catch (Exception ex)
        {
            // The entry names this silo; RegisterAsync above clears it on the grain's next activation here,
            // and the conditional replace clears it once this silo is gone.
            LogUnregisterFailed(address.GrainId, ex);
        }
    }

    /// <summary>
    /// One lifecycle step with its own deadline: the token asks the step to stop, and the wait ends at the deadline
    /// even when the step ignores it, so no grain code and no stalled statement can hold a lifecycle forever.
    /// </summary>
    private async Task RunStepAsync(Func<CancellationToken, Task> step, string name, GrainId grainId)
    {
        using var timeout = new CancellationTokenSource(_options.LifecycleTimeout, time);
        try
        {
            await step(timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"{name} of {grainId} did not finish within {_options.LifecycleTimeout}.");
        }
    }
}
