using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime;

/// <summary>Operator-level view and control of the cluster: silos, where a grain is active, explicit deactivation.</summary>
public interface IClusterManagement
{
    /// <summary>Deactivates the grain's activation wherever it is; when this returns, it is gone. False when it had none.</summary>
    Task<bool> DeactivateAsync<TGrainInterface>(string key, CancellationToken cancellationToken)
        where TGrainInterface : IGrainWithStringKey;

    /// <summary>The silo holding the grain's activation, or null when it has none on a live silo.</summary>
    Task<SiloDescription?> FindActivationAsync<TGrainInterface>(string key, CancellationToken cancellationToken)
        where TGrainInterface : IGrainWithStringKey;

    /// <summary>Every silo in the membership table that is not dead, with its activation count.</summary>
    Task<IReadOnlyList<SiloDescription>> GetSilosAsync(CancellationToken cancellationToken);
}

/// <summary>A silo as operators see it.</summary>
public sealed record SiloDescription(string Address, string Name, string? Url, string Status, int Activations, DateTimeOffset StartedAt);
