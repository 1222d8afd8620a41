using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Catalog.Schema;

/// <summary>The two migration sets: <c>infra/migrations/catalog</c> and <c>infra/migrations/tenant</c>, embedded at build time.</summary>
public static class SchemaMigrations
{
    public static MigrationSet Catalog { get; } = MigrationSet.FromEmbeddedResources(typeof(SchemaMigrations).Assembly, "catalog");

    public static MigrationSet Tenant { get; } = MigrationSet.FromEmbeddedResources(typeof(SchemaMigrations).Assembly, "tenant");
}
