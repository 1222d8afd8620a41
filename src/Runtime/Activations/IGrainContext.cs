using OrleansTenants.Runtime.Directory;

namespace OrleansTenants.Runtime.Activations;

/// <summary>What a grain instance may ask of its activation; the rest of the runtime stays out of reach.</summary>
internal interface IGrainContext
{
    GrainId GrainId { get; }

    IGrainFactory GrainFactory { get; }

    void RequestDeactivationOnIdle();
}
