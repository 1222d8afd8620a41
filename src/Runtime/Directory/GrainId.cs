namespace OrleansTenants.Runtime.Directory;

/// <summary>A grain's identity: its grain type name and its string key.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";

    public static GrainId Parse(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new FormatException($"'{value}' is not a grain id (type/key).");
        }

        return new GrainId(value[..slash], value[(slash + 1)..]);
    }
}
