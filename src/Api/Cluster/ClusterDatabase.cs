using Npgsql;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Api.Cluster;

/// <summary>
/// Where the cluster's coordination state lives (membership, grain storage, reminders): <c>Orleans:ClusteringConnectionString</c>,
/// or the catalog's database. Orleans' ADO.NET providers name their tables unqualified, and ours are in schema <c>orleans</c>.
/// </summary>
public static class ClusterDatabase
{
    public const string Invariant = "Npgsql";

    /// <summary>The connection string the Orleans providers use.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var configured = configuration["Orleans:ClusteringConnectionString"] is { Length: > 0 } own
            ? own
            : configuration.GetConnectionString(CatalogOptions.ConnectionStringName)
                ?? throw new InvalidOperationException("Set ConnectionStrings__Catalog (or Orleans__ClusteringConnectionString): the cluster's membership lives in a PostgreSQL database.");
        return new NpgsqlConnectionStringBuilder(configured) { SearchPath = "orleans", ApplicationName = "orleans-tenants:cluster" }.ConnectionString;
    }
}
