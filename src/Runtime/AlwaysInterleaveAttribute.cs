namespace OrleansTenants.Runtime;

/// <summary>
/// Calls to this grain-interface method may run alongside other interleaving calls to the same activation
/// (up to the grain's <see cref="MaxInterleavedCallsAttribute"/> bound), never alongside an exclusive call.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class AlwaysInterleaveAttribute : Attribute;
