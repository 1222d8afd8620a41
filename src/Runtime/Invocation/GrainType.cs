using System.Reflection;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>A registered grain: its interface, its class, its type name in grain ids, and its methods.</summary>
internal sealed class GrainType
{
    private readonly Dictionary<MethodInfo, GrainMethod> _byInterfaceMethod;
    private readonly Dictionary<string, GrainMethod> _byName;

    public GrainType(Type interfaceType, Type classType)
    {
        if (!interfaceType.IsInterface || !typeof(IGrainWithStringKey).IsAssignableFrom(interfaceType))
        {
            throw new ArgumentException($"{interfaceType.Name} must be an interface deriving from IGrainWithStringKey.", nameof(interfaceType));
        }

        if (!interfaceType.IsAssignableFrom(classType) || !typeof(Grain).IsAssignableFrom(classType) || classType.IsAbstract)
        {
            throw new ArgumentException($"{classType.Name} must be a concrete Grain implementing {interfaceType.Name}.", nameof(classType));
        }

        InterfaceType = interfaceType;
        ClassType = classType;
        Name = interfaceType.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultName(interfaceType);
        MaxInterleavedCalls = classType.GetCustomAttribute<MaxInterleavedCallsAttribute>()?.Limit ?? 64;

        var methods = new[] { interfaceType }.Concat(interfaceType.GetInterfaces())
            .SelectMany(i => i.GetMethods())
            .Select(m => new GrainMethod(m))
            .ToList();
        _byInterfaceMethod = methods.ToDictionary(m => m.InterfaceMethod);
        _byName = methods.ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    public string Name { get; }

    public Type InterfaceType { get; }

    public Type ClassType { get; }

    public int MaxInterleavedCalls { get; }

    public GrainMethod GetMethod(MethodInfo interfaceMethod) => _byInterfaceMethod[interfaceMethod];

    public bool TryGetMethod(string name, out GrainMethod method) => _byName.TryGetValue(name, out method!);

    private static string DefaultName(Type interfaceType)
    {
        var name = interfaceType.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name[1..];
        }

        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }

        return name.ToLowerInvariant();
    }
}
