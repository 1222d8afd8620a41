namespace OrleansTenants.Runtime;

/// <summary>The grain type name used in grain ids and the directory (default: the interface name without its leading I and trailing Grain).</summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
