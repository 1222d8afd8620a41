namespace OrleansTenants.Runtime;

/// <summary>Marker for grain interfaces.</summary>
#pragma warning disable CA1040 // A marker interface is the point: grain interfaces are found through it.
public interface IGrain;
#pragma warning restore CA1040
