using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Silo.Cluster;

/// <summary>
/// The <c>cluster</c> migration set (<c>infra/migrations/cluster</c>, embedded at build time): the tables and query
/// texts of Orleans' ADO.NET clustering, grain storage and reminder providers, in the cluster's database.
/// </summary>
public static class ClusterSchema
{
    public static MigrationSet Migrations { get; } = MigrationSet.FromEmbeddedResources(typeof(ClusterSchema).Assembly, "cluster");
}
