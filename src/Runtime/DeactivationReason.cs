namespace OrleansTenants.Runtime;

/// <summary>Why an activation is going away; passed to <see cref="Grain.OnDeactivateAsync"/>.</summary>
public enum DeactivationReason
{
    /// <summary>The grain asked for it with <see cref="Grain.DeactivateOnIdle"/>.</summary>
    ApplicationRequested,

    /// <summary>It was idle longer than the collection age.</summary>
    IdleCollection,

    /// <summary>An operator or another component deactivated it from outside.</summary>
    ExternalRequest,

    /// <summary>The silo is shutting down.</summary>
    SiloShutdown,

    /// <summary>The silo learned that it was declared dead and stops serving.</summary>
    SiloDeclaredDead,

    /// <summary>OnActivateAsync failed or timed out; OnDeactivateAsync runs so that what it acquired is released.</summary>
    ActivationFailed,
}
