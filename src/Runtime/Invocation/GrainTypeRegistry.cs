namespace OrleansTenants.Runtime.Invocation;

/// <summary>The grains this process knows, by interface and by type name. Clients know them too, to encode calls, but never activate.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainType> _byInterface = [];
    private readonly Dictionary<string, GrainType> _byName = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<GrainRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            var type = new GrainType(registration.InterfaceType, registration.ClassType);
            if (_byName.TryGetValue(type.Name, out var existing) && existing.InterfaceType != type.InterfaceType)
            {
                throw new InvalidOperationException($"Grain type name '{type.Name}' is used by both {existing.InterfaceType.Name} and {type.InterfaceType.Name}.");
            }

            _byInterface[type.InterfaceType] = type;
            _byName[type.Name] = type;
        }
    }

    public GrainType GetByInterface(Type interfaceType) =>
        _byInterface.TryGetValue(interfaceType, out var type)
            ? type
            : throw new InvalidOperationException($"Grain interface {interfaceType.Name} is not registered; call AddGrain<{interfaceType.Name}, ...>().");

    public bool TryGetByName(string name, out GrainType type) => _byName.TryGetValue(name, out type!);
}

/// <summary>A grain interface and the class that implements it, registered in DI.</summary>
internal sealed record GrainRegistration(Type InterfaceType, Type ClassType);
