namespace OrleansTenants.Catalog.Store;

/// <summary>Where the catalog is: <c>ConnectionStrings:Catalog</c>, whose role is the platform's administrator.</summary>
public sealed class CatalogOptions
{
    /// <summary>The name under <c>ConnectionStrings</c>; the one place it is spelled.</summary>
    public const string ConnectionStringName = "Catalog";

    /// <summary>Validated at start (<see cref="CatalogOptionsValidator"/>): present, parseable and naming a host.</summary>
    public string ConnectionString { get; set; } = "";
}
