using System.Collections.Concurrent;
using OrleansTenants.Runtime;

namespace OrleansTenants.TestGrains;

/// <summary>A counter that records every activation and deactivation in <see cref="GrainProbe"/>.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    /// <summary>Which activation served the call (to tell a new activation from the old one).</summary>
    [AlwaysInterleave]
    Task<Guid> GetActivationIdAsync();

    Task DeactivateAsync();

    Task FailAsync(string message);

    /// <summary>Throws an <see cref="OperationCanceledException"/> of its own; nobody cancelled the call.</summary>
    Task CancelItselfAsync();

    /// <summary>Waits until the call is cancelled, and records that the grain saw the cancellation.</summary>
    [AlwaysInterleave]
    Task WaitForCancellationAsync(string probe, CancellationToken cancellationToken);
}

public sealed class CounterGrain : Grain, ICounterGrain, IAsyncDisposable
{
    private readonly Guid _activationId = Guid.NewGuid();
    private int _value;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GrainProbe.Activated(GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await GrainProbe.BeforeDeactivateAsync(GetPrimaryKeyString());
        GrainProbe.Deactivated(GetPrimaryKeyString(), reason);
    }

    public Task<int> IncrementAsync() => Task.FromResult(++_value);

    public Task<int> GetAsync() => Task.FromResult(_value);

    public Task<Guid> GetActivationIdAsync() => Task.FromResult(_activationId);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task CancelItselfAsync() => throw new OperationCanceledException("The grain gave up on its own.");

    public async Task WaitForCancellationAsync(string probe, CancellationToken cancellationToken)
    {
        GrainProbe.Waiting(probe);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        finally
        {
            GrainProbe.Cancelled(probe);
        }
    }

    public ValueTask DisposeAsync()
    {
        GrainProbe.Disposed(GetPrimaryKeyString());
        return ValueTask.CompletedTask;
    }
}

/// <summary>What happened to grains in this process, per key; tests await conditions on it.</summary>
public static class GrainProbe
{
    private static readonly ConcurrentDictionary<string, int> ActivationCounts = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<DeactivationReason>> DeactivationSignals = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> DisposeSignals = new();
    private static readonly ConcurrentDictionary<string, (TaskCompletionSource Entered, TaskCompletionSource Release)> DeactivationGates = new();

    private static readonly ConcurrentDictionary<string, TaskCompletionSource> WaitingSignals = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> CancelledSignals = new();

    public static int Activations(string key) => ActivationCounts.GetValueOrDefault(key);

    public static Task WhenWaiting(string probe) => WaitingSignals.GetOrAdd(probe, _ => New()).Task;

    public static Task WhenCancelled(string probe) => CancelledSignals.GetOrAdd(probe, _ => New()).Task;

    internal static void Waiting(string probe) => WaitingSignals.GetOrAdd(probe, _ => New()).TrySetResult();

    internal static void Cancelled(string probe) => CancelledSignals.GetOrAdd(probe, _ => New()).TrySetResult();

    public static Task<DeactivationReason> WhenDeactivated(string key) => DeactivationSignal(key).Task;

    public static Task WhenDisposed(string key) => DisposeSignals.GetOrAdd(key, _ => New()).Task;

    /// <summary>Makes the next OnDeactivateAsync of <paramref name="key"/> wait; returns (entered, release).</summary>
    public static (Task Entered, Action Release) HoldDeactivation(string key)
    {
        var gate = (New(), New());
        DeactivationGates[key] = gate;
        return (gate.Item1.Task, () => gate.Item2.TrySetResult());
    }

    internal static void Activated(string key) => ActivationCounts.AddOrUpdate(key, 1, (_, n) => n + 1);

    internal static async Task BeforeDeactivateAsync(string key)
    {
        if (DeactivationGates.TryRemove(key, out var gate))
        {
            gate.Entered.TrySetResult();
            await gate.Release.Task;
        }
    }

    internal static void Deactivated(string key, DeactivationReason reason) => DeactivationSignal(key).TrySetResult(reason);

    internal static void Disposed(string key) => DisposeSignals.GetOrAdd(key, _ => New()).TrySetResult();

    private static TaskCompletionSource<DeactivationReason> DeactivationSignal(string key) =>
        DeactivationSignals.GetOrAdd(key, _ => new TaskCompletionSource<DeactivationReason>(TaskCreationOptions.RunContinuationsAsynchronously));

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
