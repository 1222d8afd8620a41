using OrleansTenants.Runtime.Activations;

namespace OrleansTenants.Runtime;

/// <summary>
/// Base class of grains. The runtime creates one per activation (constructor dependencies come from DI),
/// runs <see cref="OnActivateAsync"/> before the first call and <see cref="OnDeactivateAsync"/> when the
/// activation ends for any reason.
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    /// <summary>The grain's key; what Orleans calls <c>this.GetPrimaryKeyString()</c>.</summary>
    public string GetPrimaryKeyString() => Context.GrainId.Key;

    protected IGrainFactory GrainFactory => Context.GrainFactory;

    /// <summary>Runs before the first call is delivered. An exception fails the calls waiting for it, and the next call tries again.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs once when the activation ends (idle, explicit, shutdown); release what the activation holds here.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends this activation once the current call and the calls already running have finished.</summary>
    protected void DeactivateOnIdle() => Context.RequestDeactivationOnIdle();

    private IGrainContext Context => _context ?? throw new InvalidOperationException("This grain is not attached to an activation.");

    internal void Attach(IGrainContext context) => _context = context;
}
