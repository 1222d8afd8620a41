namespace OrleansTenants.Runtime.Activations;

internal enum ActivationState
{
    /// <summary>Registering in the directory and running OnActivateAsync; calls wait.</summary>
    Activating,

    /// <summary>Serving calls.</summary>
    Valid,

    /// <summary>Draining running calls, then OnDeactivateAsync; new calls wait for the next activation.</summary>
    Deactivating,

    /// <summary>Gone: unregistered and removed.</summary>
    Invalid,
}
