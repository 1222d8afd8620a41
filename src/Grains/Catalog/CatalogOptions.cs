namespace OrleansTenants.Grains.Catalog;

/// <summary>Where the catalog is: <c>ConnectionStrings:Catalog</c>, whose role is the platform's administrator.</summary>
public sealed class CatalogOptions
{
    public string? ConnectionString { get; set; }

    /// <summary>The configured connection string; start-up fails with its configuration key when there is none.</summary>
    public string RequiredConnectionString =>
        string.IsNullOrWhiteSpace(ConnectionString) ? throw new InvalidOperationException("ConnectionStrings:Catalog is not configured.") : ConnectionString;
}
