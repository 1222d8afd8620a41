namespace OrleansTenants.Runtime.Directory;

/// <summary>A grain's identity: its grain type name and its string key.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";

    public static bool TryParse(string? value, out GrainId grainId)
    {
        var slash = value?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        grainId = slash > 0 ? new GrainId(value![..slash], value[(slash + 1)..]) : default;
        return slash > 0;
    }
}
