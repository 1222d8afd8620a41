namespace OrleansTenants.Runtime;

/// <summary>How many interleaving calls one activation of this grain class runs at once; more wait in order.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class MaxInterleavedCallsAttribute(int limit) : Attribute
{
    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));
}
