using System.Collections.Concurrent;
using OrleansTenants.Runtime;

namespace OrleansTenants.TestGrains;

/// <summary>A grain whose lifecycle misbehaves as its key's <see cref="FaultPlan"/> says: throws, or hangs ignoring cancellation.</summary>
public interface IFaultyGrain : IGrainWithStringKey
{
    Task<Guid> PingAsync();

    /// <summary>Runs until the plan's hang is released, deaf to cancellation.</summary>
    Task HangAsync();

    /// <summary>Fails as a grain does when a call of its own finds no silo: after it started, so never to be sent again.</summary>
    Task FailLikeANestedCallAsync();
}

public sealed class FaultyGrain : Grain, IFaultyGrain, IDisposable
{
    private readonly Guid _activationId = Guid.NewGuid();

    private FaultPlan Plan => FaultPlan.For(GetPrimaryKeyString());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Plan.Record(FaultEvent.Activated);
        if (Plan.HangOnActivate)
        {
            await Plan.Hang;
        }

        if (Plan.ThrowOnActivate)
        {
            throw new InvalidOperationException("OnActivateAsync failed on purpose.");
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Plan.Deactivated(reason);
        if (Plan.HangOnDeactivate)
        {
            await Plan.Hang;
        }
    }

    public Task<Guid> PingAsync() => Task.FromResult(_activationId);

    public Task HangAsync()
    {
        Plan.Record(FaultEvent.Hanging);
        return Plan.Hang;
    }

    public Task FailLikeANestedCallAsync()
    {
        Plan.Record(FaultEvent.Invoked);
        throw new SiloUnavailableException("A call this grain made found no silo.");
    }

    public void Dispose()
    {
        Plan.Record(FaultEvent.Disposed);
        if (Plan.ThrowOnDispose)
        {
            throw new InvalidOperationException("Dispose failed on purpose.");
        }
    }
}

public enum FaultEvent
{
    Activated,
    Invoked,
    Hanging,
    Deactivated,
    Disposed,
}

/// <summary>What a <see cref="FaultyGrain"/> key does wrong, and what happened to it; tests await the events.</summary>
public sealed class FaultPlan
{
    private static readonly ConcurrentDictionary<string, FaultPlan> Plans = new();
    private readonly TaskCompletionSource _hang = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<FaultEvent, int> _counts = new();
    private readonly ConcurrentDictionary<FaultEvent, TaskCompletionSource> _signals = new();
    private readonly ConcurrentQueue<DeactivationReason> _reasons = new();

    public bool ThrowOnActivate { get; set; }

    public bool HangOnActivate { get; set; }

    public bool HangOnDeactivate { get; set; }

    public bool ThrowOnDispose { get; set; }

    /// <summary>Completes when the test releases whatever hangs.</summary>
    public Task Hang => _hang.Task;

    public IReadOnlyCollection<DeactivationReason> DeactivationReasons => _reasons;

    public static FaultPlan For(string key) => Plans.GetOrAdd(key, _ => new FaultPlan());

    public int Count(FaultEvent faultEvent) => _counts.GetValueOrDefault(faultEvent);

    /// <summary>Completes at the first time <paramref name="faultEvent"/> happens.</summary>
    public Task When(FaultEvent faultEvent) => Signal(faultEvent).Task;

    public void ReleaseHang() => _hang.TrySetResult();

    internal void Record(FaultEvent faultEvent)
    {
        _counts.AddOrUpdate(faultEvent, 1, (_, n) => n + 1);
        Signal(faultEvent).TrySetResult();
    }

    internal void Deactivated(DeactivationReason reason)
    {
        _reasons.Enqueue(reason);
        Record(FaultEvent.Deactivated);
    }

    private TaskCompletionSource Signal(FaultEvent faultEvent) =>
        _signals.GetOrAdd(faultEvent, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
