using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Invocation;

namespace OrleansTenants.Runtime.Activations;

/// <summary>
/// One activation: the grain instance, its turn gate, its lifecycle state, and when it was last used.
/// The activation manager drives its lifecycle; calls go through <see cref="InvokeAsync"/>.
/// </summary>
internal sealed class ActivationData : IGrainContext
{
    private readonly TaskCompletionSource _activated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<ActivationData> _requestDeactivation;
    private Grain? _instance;
    private int _state = (int)ActivationState.Activating;

    public ActivationData(GrainAddress address, GrainType grainType, IGrainFactory grainFactory, long createdAt, Action<ActivationData> requestDeactivation)
    {
        Address = address;
        GrainType = grainType;
        GrainFactory = grainFactory;
        LastUsed = createdAt;
        _requestDeactivation = requestDeactivation;
        Gate = new TurnGate(grainType.MaxInterleavedCalls);
    }

    public GrainAddress Address { get; }

    public GrainId GrainId => Address.GrainId;

    public GrainType GrainType { get; }

    public IGrainFactory GrainFactory { get; }

    public TurnGate Gate { get; }

    public ActivationState State => (ActivationState)Volatile.Read(ref _state);

    /// <summary>Time-provider timestamp of the last call's end; the collector compares it with the collection age.</summary>
    public long LastUsed { get; set; }

    public bool DeactivateOnIdleRequested { get; private set; }

    /// <summary>The collector bucket this activation is filed in, or null.</summary>
    public long? CollectionBucket { get; set; }

    public Task Activated => _activated.Task;

    public Task Deactivated => _deactivated.Task;

    public Grain Instance => _instance ?? throw new InvalidOperationException("The activation has no grain instance.");

    public async Task<object?> InvokeAsync(GrainMethod method, object?[] arguments, CancellationToken cancellationToken)
    {
        await _activated.Task.WaitAsync(cancellationToken);
        using var turn = await Gate.EnterAsync(!method.Interleave, cancellationToken);
        return await method.Invoke(Instance, arguments, cancellationToken);
    }

    public void RequestDeactivationOnIdle()
    {
        DeactivateOnIdleRequested = true;
        _requestDeactivation(this);
    }

    public void MarkValid(Grain instance)
    {
        _instance = instance;
        Volatile.Write(ref _state, (int)ActivationState.Valid);
        _activated.TrySetResult();
    }

    /// <summary>Moves to Deactivating once; false if another path got there first.</summary>
    public bool TryStartDeactivating() =>
        Interlocked.CompareExchange(ref _state, (int)ActivationState.Deactivating, (int)ActivationState.Valid) == (int)ActivationState.Valid;

    /// <summary>Activation did not happen (lost the directory race, or OnActivateAsync threw): waiting calls get <paramref name="reason"/>.</summary>
    public void FailActivation(Exception reason)
    {
        Volatile.Write(ref _state, (int)ActivationState.Invalid);
        _activated.TrySetException(reason);
        _ = Gate.CloseAndDrainAsync();
        _deactivated.TrySetResult();
    }

    public void MarkInvalid()
    {
        Volatile.Write(ref _state, (int)ActivationState.Invalid);
        _deactivated.TrySetResult();
    }
}
