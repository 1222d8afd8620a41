using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Runtime;

/// <summary>The <c>cluster</c> migration set (<c>infra/migrations/cluster</c>, embedded at build time): membership table and grain directory.</summary>
public static class ClusterSchema
{
    public static MigrationSet Migrations { get; } = MigrationSet.FromEmbeddedResources(typeof(ClusterSchema).Assembly, "cluster");
}
