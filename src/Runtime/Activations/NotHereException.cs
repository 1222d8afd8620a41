using OrleansTenants.Runtime.Directory;

namespace OrleansTenants.Runtime.Activations;

/// <summary>The grain is registered to another activation; the caller should send the call there.</summary>
internal sealed class NotHereException(GrainAddress owner) : Exception($"{owner.GrainId} is active on {owner.Silo}.")
{
    public GrainAddress Owner { get; } = owner;
}
