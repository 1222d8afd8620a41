namespace OrleansTenants.Runtime;

/// <summary>
/// Running this method twice has the effect of running it once, so a call whose silo died mid-call may be
/// retried on the grain's next activation. Calls without it are retried only when they never started.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class IdempotentAttribute : Attribute;
