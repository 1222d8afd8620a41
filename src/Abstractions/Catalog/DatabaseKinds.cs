namespace OrleansTenants.Abstractions.Catalog;

/// <summary>The kinds of physical tenant database, as stored in <c>catalog.databases.kind</c>.</summary>
public static class DatabaseKinds
{
    public const string Single = "single";
    public const string Shared = "shared";
    public const string Shard = "shard";
    public const string Dedicated = "dedicated";
}
